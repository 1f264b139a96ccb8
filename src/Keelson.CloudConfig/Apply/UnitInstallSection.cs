namespace Keelson.CloudConfig.Apply;

/// <summary>
/// The <c>[Install]</c> section of a unit file: what <c>systemctl enable</c> links the unit into. Lists accumulate
/// over repeated keys and an empty assignment clears them, as systemd reads them.
/// </summary>
internal sealed record UnitInstallSection(IReadOnlyList<string> WantedBy, IReadOnlyList<string> RequiredBy, IReadOnlyList<string> Alias, IReadOnlyList<string> Also)
{
    public bool IsEmpty => WantedBy.Count == 0 && RequiredBy.Count == 0 && Alias.Count == 0 && Also.Count == 0;

    public static UnitInstallSection Parse(string unitFile)
    {
        var lists = new Dictionary<string, List<string>>(StringComparer.Ordinal)
        {
            ["WantedBy"] = [],
            ["RequiredBy"] = [],
            ["Alias"] = [],
            ["Also"] = [],
        };
        var inInstall = false;
        foreach (var line in LogicalLines(unitFile))
        {
            if (line.StartsWith('['))
            {
                inInstall = line == "[Install]";
                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (!inInstall || equals <= 0 || !lists.TryGetValue(line[..equals].Trim(), out var list))
            {
                continue;
            }

            var value = line[(equals + 1)..].Trim();
            if (value.Length == 0)
            {
                list.Clear();
                continue;
            }

            list.AddRange(value.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries));
        }

        return new UnitInstallSection(lists["WantedBy"], lists["RequiredBy"], lists["Alias"], lists["Also"]);
    }

    /// <summary>Trimmed lines without comments, a trailing backslash joining a line to the next.</summary>
    private static IEnumerable<string> LogicalLines(string text)
    {
        var pending = "";
        foreach (var raw in text.ReplaceLineEndings("\n").Split('\n'))
        {
            var line = raw.Trim();
            if (pending.Length == 0 && (line.Length == 0 || line[0] is '#' or ';'))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                pending += line[..^1] + " ";
                continue;
            }

            yield return pending + line;
            pending = "";
        }

        if (pending.Length > 0)
        {
            yield return pending.TrimEnd();
        }
    }
}
