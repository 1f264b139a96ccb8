namespace Keelson.Payloads;

/// <summary>
/// Versions of OS images as CoreOS/Flatcar write them (<c>2605.10.0</c>): dotted numbers compared numerically (a
/// missing component counts as 0), an optional <c>-prerelease</c> ordered below the same version without one
/// (semver's rules), an optional <c>+build</c> that takes no part in ordering. The same rules as the Omaha
/// library's version, kept here so that this library depends on nothing else of Keelson.
/// </summary>
public static class ImageVersion
{
    /// <summary>Whether <paramref name="text"/> is a version these rules can order.</summary>
    public static bool IsValid(string? text) =>
        text is { Length: > 0 and <= PayloadFormat.MaxTextLength } && TrySplit(text, out _, out _);

    /// <summary>Compares two versions: negative when <paramref name="left"/> is lower. Throws <see cref="FormatException"/> on an invalid version.</summary>
    public static int Compare(string left, string right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        if (!TrySplit(left, out var leftCore, out var leftPre))
        {
            throw new FormatException($"'{left}' is not a version such as 2605.10.0");
        }

        if (!TrySplit(right, out var rightCore, out var rightPre))
        {
            throw new FormatException($"'{right}' is not a version such as 2605.10.0");
        }

        for (var i = 0; i < Math.Max(leftCore.Length, rightCore.Length); i++)
        {
            var a = i < leftCore.Length ? leftCore[i] : 0;
            var b = i < rightCore.Length ? rightCore[i] : 0;
            if (a != b)
            {
                return a.CompareTo(b);
            }
        }

        return (leftPre, rightPre) switch
        {
            (null, null) => 0,
            (null, _) => 1,
            (_, null) => -1,
            _ => ComparePrerelease(leftPre, rightPre),
        };
    }

    private static bool TrySplit(string text, out long[] core, out string[]? prerelease)
    {
        core = [];
        prerelease = null;
        var plus = text.IndexOf('+', StringComparison.Ordinal);
        if (plus >= 0 && !ValidIdentifiers(text[(plus + 1)..]))
        {
            return false;
        }

        var main = plus >= 0 ? text[..plus] : text;
        var dash = main.IndexOf('-', StringComparison.Ordinal);
        if (dash >= 0)
        {
            if (!ValidIdentifiers(main[(dash + 1)..]))
            {
                return false;
            }

            prerelease = main[(dash + 1)..].Split('.');
            main = main[..dash];
        }

        var parts = main.Split('.');
        core = new long[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (parts[i].Length is 0 or > 18 || !parts[i].All(char.IsAsciiDigit))
            {
                return false;
            }

            core[i] = long.Parse(parts[i], System.Globalization.CultureInfo.InvariantCulture);
        }

        return true;
    }

    private static bool ValidIdentifiers(string text) =>
        text.Split('.').All(id => id.Length > 0 && id.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'));

    private static int ComparePrerelease(string[] left, string[] right)
    {
        for (var i = 0; i < Math.Min(left.Length, right.Length); i++)
        {
            var leftNumeric = left[i].All(char.IsAsciiDigit);
            var rightNumeric = right[i].All(char.IsAsciiDigit);
            var order = (leftNumeric, rightNumeric) switch
            {
                (true, true) => left[i].Length != right[i].Length
                    ? left[i].Length.CompareTo(right[i].Length)
                    : string.CompareOrdinal(left[i], right[i]),
                (true, false) => -1,
                (false, true) => 1,
                _ => string.CompareOrdinal(left[i], right[i]),
            };
            if (order != 0)
            {
                return Math.Sign(order);
            }
        }

        return left.Length.CompareTo(right.Length);
    }
}
