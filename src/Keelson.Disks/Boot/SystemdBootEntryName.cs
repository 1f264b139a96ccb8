using System.Globalization;

namespace Keelson.Disks.Boot;

/// <summary>
/// The file name of a Boot Loader Specification entry, with systemd-boot's boot counting parsed as systemd-boot
/// parses it: <c>NAME+LEFT-DONE.conf</c>, <c>NAME+LEFT.conf</c> (DONE is 0) or <c>NAME.conf</c> (not counted).
/// Reading backwards from before ".conf": digits, at most one '-' between two runs of digits, then a '+'; anything
/// else means the name has no counter and the whole of it is NAME.
/// </summary>
/// <param name="FileName">The file name as found.</param>
/// <param name="Name">The name without the counter and ".conf" (e.g. <c>keelson-1.0.0-A</c>).</param>
/// <param name="TriesLeft">Boots left, or null when not counted.</param>
/// <param name="TriesDone">Boots done, or null when not counted.</param>
public sealed record SystemdBootEntryName(string FileName, string Name, int? TriesLeft, int? TriesDone)
{
    public const string Suffix = ".conf";

    /// <summary>Whether boot counting is on for this entry (it has a <c>+LEFT</c> counter).</summary>
    public bool Counted => TriesLeft is not null;

    /// <summary>What systemd-boot sorts by when entries have no sort-key: the whole file name in lower case.</summary>
    public string Id => FileName.ToLowerInvariant();

    /// <summary>
    /// The entry name as systemd-boot reads a file in <c>/loader/entries</c>, or null when it skips the file: names
    /// starting with '.' or "auto-", or not ending in ".conf" (any case).
    /// </summary>
    public static SystemdBootEntryName? Parse(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        if (fileName.StartsWith('.') || fileName.StartsWith("auto-", StringComparison.Ordinal) || !fileName.EndsWith(Suffix, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var stem = fileName[..^Suffix.Length];
        return ParseCounter(stem) is var (name, left, done)
            ? new SystemdBootEntryName(fileName, name, left, done)
            : new SystemdBootEntryName(fileName, stem, null, null);
    }

    /// <summary>The file name of <paramref name="name"/> with the given counter (none when <paramref name="left"/> is null).</summary>
    public static string Format(string name, int? left, int? done = null) =>
        left is null ? name + Suffix
        : done is null ? string.Create(CultureInfo.InvariantCulture, $"{name}+{left}{Suffix}")
        : string.Create(CultureInfo.InvariantCulture, $"{name}+{left}-{done}{Suffix}");

    /// <summary>
    /// The name systemd-boot renames a counted entry to before it boots it: one try fewer left (never below 0) and
    /// one more done (<c>+3</c> becomes <c>+2-1</c>, <c>+0-1</c> becomes <c>+0-2</c>). Null when not counted.
    /// </summary>
    public string? NextFileName => Counted ? Format(Name, Math.Max(TriesLeft!.Value - 1, 0), TriesDone!.Value == int.MaxValue ? int.MaxValue : TriesDone.Value + 1) : null;

    private static (string Name, int Left, int Done)? ParseCounter(string stem)
    {
        var plus = stem.LastIndexOf('+');
        if (plus < 0)
        {
            return null;
        }

        var counter = stem.AsSpan(plus + 1);
        var dash = counter.IndexOf('-');
        var leftText = dash < 0 ? counter : counter[..dash];
        var doneText = dash < 0 ? "0" : counter[(dash + 1)..];
        return Number(leftText) is { } left && Number(doneText) is { } done ? (stem[..plus], left, done) : null;
    }

    private static int? Number(ReadOnlySpan<char> digits) =>
        !digits.IsEmpty && !digits.ContainsAnyExceptInRange('0', '9') && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : null;
}
