using System.Globalization;

namespace Keelson.Cli.Output;

/// <summary>How values look in human output; <c>--json</c> output keeps the exact values instead.</summary>
internal static class Format
{
    private static readonly string[] s_units = ["B", "KiB", "MiB", "GiB", "TiB"];

    public static CultureInfo Invariant => CultureInfo.InvariantCulture;

    /// <summary>UTC, to the second, sortable.</summary>
    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", Invariant);

    public static string? Time(DateTimeOffset? time) => time is { } t ? Time(t) : null;

    /// <summary>A byte count in binary units with three significant digits: 512 B, 4.00 KiB, 200 MiB, 1.50 GiB.</summary>
    public static string Size(long bytes)
    {
        if (bytes < 1024)
        {
            return $"{bytes.ToString(Invariant)} B";
        }

        var value = (double)bytes;
        var unit = 0;
        while (value >= 1024 && unit < s_units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        var digits = value >= 100 ? "0" : value >= 10 ? "0.0" : "0.00";
        return $"{value.ToString(digits, Invariant)} {s_units[unit]}";
    }

    /// <summary>How long ago <paramref name="time"/> was, in its largest unit: "just now", "42s ago", "5m ago", "3h ago", "12d ago".</summary>
    public static string Ago(DateTimeOffset time, DateTimeOffset now)
    {
        var age = now - time;
        if (age < TimeSpan.Zero)
        {
            return "in " + Span(-age);
        }

        return age < TimeSpan.FromSeconds(1) ? "just now" : Span(age) + " ago";
    }

    /// <summary>A time span in its largest one or two units: 42s, 5m 10s, 3h 5m, 12d 4h.</summary>
    public static string Span(TimeSpan span) => span switch
    {
        { TotalMinutes: < 1 } => $"{(int)span.TotalSeconds}s",
        { TotalHours: < 1 } => span.Seconds == 0 ? $"{span.Minutes}m" : $"{span.Minutes}m {span.Seconds}s",
        { TotalDays: < 1 } => span.Minutes == 0 ? $"{span.Hours}h" : $"{span.Hours}h {span.Minutes}m",
        _ => span.Hours == 0 ? $"{(int)span.TotalDays}d" : $"{(int)span.TotalDays}d {span.Hours}h",
    };

    /// <summary>A time for a person: the UTC time and how long ago it was, "2026-12-06 13:42:31Z (5m ago)".</summary>
    public static string? TimeAndAge(DateTimeOffset? time, DateTimeOffset now) => time is { } t ? $"{Time(t)} ({Ago(t, now)})" : null;
}
