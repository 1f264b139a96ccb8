using System.Globalization;

namespace Keelson.Cli.Output;

/// <summary>How values look in human output.</summary>
internal static class Format
{
    public static CultureInfo Invariant => CultureInfo.InvariantCulture;

    /// <summary>UTC, to the second, sortable.</summary>
    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", Invariant);

    public static string? Time(DateTimeOffset? time) => time is { } t ? Time(t) : null;
}
