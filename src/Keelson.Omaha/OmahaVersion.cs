using System.Diagnostics.CodeAnalysis;

namespace Keelson.Omaha;

/// <summary>
/// A CoreOS/Flatcar version such as <c>2605.10.0</c>: dotted numbers compared numerically component by
/// component (a missing component counts as 0, so <c>1.2 == 1.2.0</c>), an optional <c>-prerelease</c> that
/// orders below the same version without one (compared by semver's rules), and an optional <c>+build</c>
/// that takes no part in ordering or equality.
/// </summary>
/// <remarks>
/// Parsing allocates nothing: the version keeps its text and compares by walking it.
/// <c>default(OmahaVersion)</c> is version 0 and prints as <c>"0"</c>.
/// </remarks>
public readonly struct OmahaVersion : IComparable<OmahaVersion>, IEquatable<OmahaVersion>
{
    private readonly string? _text;

    // _text[.._coreEnd] are the dotted numbers; _text[(_coreEnd + 1).._prereleaseEnd] is the prerelease
    // when _prereleaseEnd > _coreEnd; anything after is "+build".
    private readonly int _coreEnd;
    private readonly int _prereleaseEnd;

    private OmahaVersion(string text, int coreEnd, int prereleaseEnd)
    {
        _text = text;
        _coreEnd = coreEnd;
        _prereleaseEnd = prereleaseEnd;
    }

    /// <summary>Whether the version has a <c>-prerelease</c> part.</summary>
    public bool IsPrerelease => _prereleaseEnd > _coreEnd;

    public static bool operator <(OmahaVersion left, OmahaVersion right) => left.CompareTo(right) < 0;

    public static bool operator >(OmahaVersion left, OmahaVersion right) => left.CompareTo(right) > 0;

    public static bool operator <=(OmahaVersion left, OmahaVersion right) => left.CompareTo(right) <= 0;

    public static bool operator >=(OmahaVersion left, OmahaVersion right) => left.CompareTo(right) >= 0;

    public static bool operator ==(OmahaVersion left, OmahaVersion right) => left.Equals(right);

    public static bool operator !=(OmahaVersion left, OmahaVersion right) => !left.Equals(right);

    /// <summary>
    /// Parses <paramref name="text"/>; fails on <see langword="null"/>, empty text, whitespace, empty
    /// components (leading, trailing or doubled dots), anything but digits in the dotted part, empty or
    /// non-alphanumeric prerelease and build identifiers, and numbers beyond <see cref="long"/>.
    /// </summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out OmahaVersion version)
    {
        version = default;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var i = 0;
        while (true)
        {
            if (!TrySkipNumber(text, ref i))
            {
                return false;
            }

            if (i < text.Length && text[i] == '.')
            {
                i++;
                continue;
            }

            break;
        }

        var coreEnd = i;
        if (i < text.Length && text[i] == '-')
        {
            i++;
            if (!TrySkipIdentifiers(text, ref i, numbersMustFit: true))
            {
                return false;
            }
        }

        var prereleaseEnd = i;
        if (i < text.Length && text[i] == '+')
        {
            i++;
            if (!TrySkipIdentifiers(text, ref i, numbersMustFit: false))
            {
                return false;
            }
        }

        if (i != text.Length)
        {
            return false;
        }

        version = new OmahaVersion(text, coreEnd, prereleaseEnd);
        return true;
    }

    /// <summary>Parses <paramref name="text"/>, or throws a <see cref="FormatException"/> that names it.</summary>
    public static OmahaVersion Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var version)
            ? version
            : throw new FormatException($"'{text}' is not a version: expected dotted numbers such as 2605.10.0, optionally followed by -prerelease and +build.");
    }

    /// <summary>Compares two version strings; throws a <see cref="FormatException"/> if either is not a version.</summary>
    public static int Compare(string a, string b) => Parse(a).CompareTo(Parse(b));

    /// <summary>
    /// What update_engine sends as the running version when an update is forced (<c>version="ForcedUpdate"</c>): it
    /// asks for the channel's release whatever it runs. <see cref="IsNewer"/> counts it older than every version.
    /// </summary>
    public const string ForcedUpdate = "ForcedUpdate";

    /// <summary>
    /// True when <paramref name="candidate"/> is a newer version than <paramref name="current"/>, or
    /// <paramref name="current"/> is <see cref="ForcedUpdate"/> (older than every version); false when either is
    /// otherwise not a version, so that nothing is ever offered on a guess.
    /// </summary>
    public static bool IsNewer(string? candidate, string? current) =>
        TryParse(candidate, out var candidateVersion)
        && (current == ForcedUpdate || (TryParse(current, out var currentVersion) && candidateVersion > currentVersion));

    public int CompareTo(OmahaVersion other)
    {
        var left = _text ?? string.Empty;
        var right = other._text ?? string.Empty;

        int i = 0, j = 0;
        while (i < _coreEnd || j < other._coreEnd)
        {
            var a = i < _coreEnd ? ReadNumber(left, ref i, _coreEnd) : 0;
            var b = j < other._coreEnd ? ReadNumber(right, ref j, other._coreEnd) : 0;
            if (a != b)
            {
                return a < b ? -1 : 1;
            }
        }

        if (!IsPrerelease || !other.IsPrerelease)
        {
            // A prerelease comes before its release.
            return IsPrerelease ? -1 : other.IsPrerelease ? 1 : 0;
        }

        i = _coreEnd + 1;
        j = other._coreEnd + 1;
        while (true)
        {
            if (i >= _prereleaseEnd || j >= other._prereleaseEnd)
            {
                // The version with more identifiers is the later one.
                return i >= _prereleaseEnd ? (j >= other._prereleaseEnd ? 0 : -1) : 1;
            }

            var a = ReadIdentifier(left, ref i, _prereleaseEnd);
            var b = ReadIdentifier(right, ref j, other._prereleaseEnd);
            var aNumeric = IsNumeric(a);
            var bNumeric = IsNumeric(b);
            int order;
            if (aNumeric && bNumeric)
            {
                order = ParseNumber(a).CompareTo(ParseNumber(b));
            }
            else if (aNumeric || bNumeric)
            {
                // Numeric identifiers come before alphanumeric ones.
                order = aNumeric ? -1 : 1;
            }
            else
            {
                order = a.SequenceCompareTo(b);
            }

            if (order != 0)
            {
                return order < 0 ? -1 : 1;
            }
        }
    }

    public bool Equals(OmahaVersion other) => CompareTo(other) == 0;

    public override bool Equals(object? obj) => obj is OmahaVersion other && Equals(other);

    public override int GetHashCode()
    {
        var text = _text ?? string.Empty;
        var hash = new HashCode();

        // Trailing zero components do not count (1.2 == 1.2.0): add zeros only once a non-zero follows.
        var pendingZeros = 0;
        var i = 0;
        while (i < _coreEnd)
        {
            var number = ReadNumber(text, ref i, _coreEnd);
            if (number == 0)
            {
                pendingZeros++;
                continue;
            }

            for (; pendingZeros > 0; pendingZeros--)
            {
                hash.Add(0L);
            }

            hash.Add(number);
        }

        if (IsPrerelease)
        {
            hash.Add('-');
            i = _coreEnd + 1;
            while (i < _prereleaseEnd)
            {
                var identifier = ReadIdentifier(text, ref i, _prereleaseEnd);
                hash.Add(IsNumeric(identifier) ? ParseNumber(identifier).GetHashCode() : string.GetHashCode(identifier));
            }
        }

        return hash.ToHashCode();
    }

    /// <summary>The text the version was parsed from.</summary>
    public override string ToString() => _text ?? "0";

    private static bool TrySkipNumber(string text, ref int i)
    {
        var start = i;
        long value = 0;
        while (i < text.Length && char.IsAsciiDigit(text[i]))
        {
            var digit = text[i] - '0';
            if (value > (long.MaxValue - digit) / 10)
            {
                return false;
            }

            value = (value * 10) + digit;
            i++;
        }

        return i > start;
    }

    private static bool TrySkipIdentifiers(string text, ref int i, bool numbersMustFit)
    {
        while (true)
        {
            var start = i;
            var numeric = true;
            while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '-'))
            {
                numeric &= char.IsAsciiDigit(text[i]);
                i++;
            }

            if (i == start)
            {
                return false;
            }

            if (numeric && numbersMustFit)
            {
                // A numeric prerelease identifier compares as a number, so it must fit in one.
                var end = start;
                if (!TrySkipNumber(text, ref end))
                {
                    return false;
                }
            }

            if (i < text.Length && text[i] == '.')
            {
                i++;
                continue;
            }

            return true;
        }
    }

    private static long ReadNumber(string text, ref int i, int end)
    {
        long value = 0;
        while (i < end && text[i] != '.')
        {
            value = (value * 10) + (text[i] - '0');
            i++;
        }

        i++; // past the dot (or past end, which ends the loop in the caller)
        return value;
    }

    private static ReadOnlySpan<char> ReadIdentifier(string text, ref int i, int end)
    {
        var start = i;
        while (i < end && text[i] != '.')
        {
            i++;
        }

        var identifier = text.AsSpan(start, i - start);
        i++;
        return identifier;
    }

    private static bool IsNumeric(ReadOnlySpan<char> identifier) => !identifier.ContainsAnyExceptInRange('0', '9');

    private static long ParseNumber(ReadOnlySpan<char> digits)
    {
        long value = 0;
        foreach (var c in digits)
        {
            value = (value * 10) + (c - '0');
        }

        return value;
    }
}
