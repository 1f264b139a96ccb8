namespace Keelson.Cli;

/// <summary>"Did you mean ...?" for a mistyped command, option or value: the known words nearest in edit distance.</summary>
internal static class Suggestions
{
    /// <summary>
    /// The candidates nearest to <paramref name="typed"/> (case-insensitive, leading dashes ignored, a swap of two
    /// neighbours counting as one edit), when they are close enough to be a typo: at most a third of the word.
    /// </summary>
    public static IReadOnlyList<string> Nearest(string typed, IEnumerable<string> candidates)
    {
        var word = Bare(typed);
        var best = int.MaxValue;
        var nearest = new List<string>();
        foreach (var candidate in candidates.Distinct(StringComparer.Ordinal))
        {
            var bare = Bare(candidate);
            var distance = Distance(word, bare);
            if (distance > Math.Max(1, bare.Length / 3) || distance > best)
            {
                continue;
            }

            if (distance < best)
            {
                best = distance;
                nearest.Clear();
            }

            nearest.Add(candidate);
        }

        return nearest;
    }

    /// <summary>". Did you mean 'x'?" or ". Did you mean 'x' or 'y'?" to end a message, or "" when nothing is near.</summary>
    public static string DidYouMean(string typed, IEnumerable<string> candidates)
    {
        var nearest = Nearest(typed, candidates);
        return nearest.Count == 0 ? "" : $". Did you mean {string.Join(" or ", nearest.Select(n => $"'{n}'"))}?";
    }

    private static string Bare(string word) => word.TrimStart('-').ToLowerInvariant();

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps.</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
