namespace Keelson.Disks.Boot;

/// <summary>
/// systemd's <c>strverscmp_improved()</c>, by which systemd-boot orders entries (newest first): strings are split
/// into numeric and alphabetic segments, each optionally prefixed by '~' (a pre-release, older than anything),
/// '-' (version/release separator), '^' (a patched release) or '.'; a segment without prefix is the newest; numbers
/// compare by value (leading zeros ignored), letters as ASCII; other characters only separate segments; when one
/// string runs out, the longer is newer.
/// </summary>
public sealed class SystemdVersionComparer : IComparer<string>
{
    public static SystemdVersionComparer Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        if (string.IsNullOrEmpty(x) || string.IsNullOrEmpty(y))
        {
            return string.CompareOrdinal(x ?? "", y ?? "") switch { < 0 => -1, > 0 => 1, _ => 0 };
        }

        var a = x.AsSpan();
        var b = y.AsSpan();
        while (true)
        {
            a = a[Leading(a, c => !IsValid(c))..];
            b = b[Leading(b, c => !IsValid(c))..];

            if (Prefixed(ref a, ref b, '~') is { } tilde)
            {
                return tilde;
            }

            if (a.IsEmpty || b.IsEmpty)
            {
                return Sign(string.CompareOrdinal(a.ToString(), b.ToString()));
            }

            foreach (var prefix in "-^.")
            {
                if (Prefixed(ref a, ref b, prefix) is { } result)
                {
                    return result;
                }
            }

            int r;
            if (IsDigit(First(a)) || IsDigit(First(b)))
            {
                a = a.TrimStart('0');
                b = b.TrimStart('0');
                var aLength = Leading(a, IsDigit);
                var bLength = Leading(b, IsDigit);
                r = aLength.CompareTo(bLength);
                if (r != 0)
                {
                    return Sign(r);
                }

                r = a[..aLength].SequenceCompareTo(b[..bLength]);
                if (r != 0)
                {
                    return Sign(r);
                }

                a = a[aLength..];
                b = b[bLength..];
            }
            else
            {
                var aLength = Leading(a, IsAlpha);
                var bLength = Leading(b, IsAlpha);
                var common = Math.Min(aLength, bLength);
                r = a[..common].SequenceCompareTo(b[..common]);
                if (r != 0)
                {
                    return Sign(r);
                }

                r = aLength.CompareTo(bLength);
                if (r != 0)
                {
                    return Sign(r);
                }

                a = a[aLength..];
                b = b[bLength..];
            }
        }
    }

    // A prefix on one side only decides, and that side is older (checked in the order '~', then the end of a string,
    // then '-', '^', '.', which is what ranks them). On both sides it is skipped.
    private static int? Prefixed(ref ReadOnlySpan<char> a, ref ReadOnlySpan<char> b, char prefix)
    {
        var aHas = First(a) == prefix;
        var bHas = First(b) == prefix;
        if (!aHas && !bHas)
        {
            return null;
        }

        if (aHas != bHas)
        {
            return aHas ? -1 : 1;
        }

        a = a[1..];
        b = b[1..];
        return null;
    }

    private static char First(ReadOnlySpan<char> s) => s.IsEmpty ? '\0' : s[0];

    private static int Leading(ReadOnlySpan<char> s, Func<char, bool> kind)
    {
        var i = 0;
        while (i < s.Length && kind(s[i]))
        {
            i++;
        }

        return i;
    }

    private static bool IsDigit(char c) => c is >= '0' and <= '9';

    private static bool IsAlpha(char c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z');

    private static bool IsValid(char c) => IsDigit(c) || IsAlpha(c) || c is '~' or '-' or '^' or '.';

    private static int Sign(int value) => value switch { < 0 => -1, > 0 => 1, _ => 0 };
}
