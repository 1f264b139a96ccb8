using System.Globalization;
using System.Text;

namespace Keelson.Coordination;

/// <summary>
/// A weekly time window - a group's maintenance window, a machine's reboot window: the days it opens on,
/// the local time it opens and how long it stays open, written <c>Mon-Fri 09:00 8h</c>,
/// <c>Sat,Sun 01:30 2h30m</c> or <c>daily 02:00 1h</c>, or in locksmith's two settings (<see cref="TryParseLocksmith"/>).
/// A window may run past midnight; its length is elapsed time, so a DST change inside it does not stretch it.
/// </summary>
public sealed record TimeWindow(IReadOnlySet<DayOfWeek> Days, TimeSpan Start, TimeSpan Length)
{
    private static readonly string[] s_dayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

    /// <summary>Parses one window; the error says what part was wrong.</summary>
    public static bool TryParse(string text, out TimeWindow? window, out string error)
    {
        window = null;
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length != 3)
        {
            error = $"'{text}' is not a window: expected DAYS HH:MM LENGTH, e.g. 'Mon-Fri 09:00 8h'";
            return false;
        }

        if (!TryParseDays(parts[0], out var days, out error))
        {
            return false;
        }

        if (!TimeSpan.TryParseExact(parts[1], @"hh\:mm", CultureInfo.InvariantCulture, out var start))
        {
            error = $"'{parts[1]}' is not a start time: expected HH:MM (00:00-23:59)";
            return false;
        }

        if (!GoDuration.TryParse(parts[2], out var length) || length <= TimeSpan.Zero || length > TimeSpan.FromDays(7))
        {
            error = $"'{parts[2]}' is not a window length: expected a duration such as 8h, 90m or 1h30m, at most 168h";
            return false;
        }

        window = new TimeWindow(days, start, length);
        error = "";
        return true;
    }

    /// <summary>
    /// A window in locksmith's format: <paramref name="start"/> is <c>HH:MM</c> (daily) or <c>Thu 04:00</c> (weekly),
    /// <paramref name="length"/> a duration shorter than a day (daily) or a week (weekly).
    /// </summary>
    public static bool TryParseLocksmith(string start, string length, out TimeWindow? window, out string error)
    {
        window = null;
        var parts = start.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        HashSet<DayOfWeek> days = [];
        if (parts.Length == 2 && TryParseDay(parts[0], out var day))
        {
            days.Add(day);
        }
        else if (parts.Length == 1)
        {
            days.UnionWith(Enum.GetValues<DayOfWeek>());
        }
        else
        {
            error = $"reboot window start '{start}' must be HH:MM or a day and HH:MM, e.g. 'Thu 04:00'";
            return false;
        }

        var clock = parts[^1].Split(':');
        if (clock.Length != 2
            || !int.TryParse(clock[0], NumberStyles.None, CultureInfo.InvariantCulture, out var hours) || hours > 23
            || !int.TryParse(clock[1], NumberStyles.None, CultureInfo.InvariantCulture, out var minutes) || minutes > 59)
        {
            error = $"reboot window start '{start}' has no valid time of day (HH:MM, 00:00 to 23:59)";
            return false;
        }

        var limit = days.Count == 7 ? TimeSpan.FromDays(1) : TimeSpan.FromDays(7);
        if (!GoDuration.TryParse(length, out var duration) || duration <= TimeSpan.Zero || duration >= limit)
        {
            error = $"reboot window length '{length}' must be a duration such as 1h30m, shorter than {(days.Count == 7 ? "a day for a daily window" : "a week")}";
            return false;
        }

        window = new TimeWindow(days, new TimeSpan(hours, minutes, 0), duration);
        error = "";
        return true;
    }

    /// <summary>Whether <paramref name="now"/> falls inside this window in <paramref name="zone"/>.</summary>
    public bool IsOpen(DateTimeOffset now, TimeZoneInfo zone)
    {
        var localToday = TimeZoneInfo.ConvertTime(now, zone).Date;
        // A window that opened up to a week ago (the longest length) may still be open.
        for (var back = 0; back <= 7; back++)
        {
            var day = localToday.AddDays(-back);
            if (!Days.Contains(day.DayOfWeek))
            {
                continue;
            }

            var opens = ToInstant(day + Start, zone);
            if (opens <= now && now < opens + Length)
            {
                return true;
            }
        }

        return false;
    }

    public override string ToString()
    {
        var builder = new StringBuilder();
        builder.Append(Days.Count == 7 ? "daily" : string.Join(',', Days.Order().Select(d => s_dayNames[(int)d])));
        builder.Append(CultureInfo.InvariantCulture, $" {Start:hh\\:mm} {GoDuration.Format(Length)}");
        return builder.ToString();
    }

    /// <summary>A local wall-clock time as an instant: a time skipped by DST opens when the clocks jump; a repeated one at its first occurrence.</summary>
    private static DateTimeOffset ToInstant(DateTime local, TimeZoneInfo zone)
    {
        var unspecified = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(unspecified))
        {
            unspecified = unspecified.AddMinutes(1);
        }

        var offset = zone.IsAmbiguousTime(unspecified)
            ? zone.GetAmbiguousTimeOffsets(unspecified).Max()
            : zone.GetUtcOffset(unspecified);
        return new DateTimeOffset(unspecified, offset);
    }

    private static bool TryParseDays(string text, out HashSet<DayOfWeek> days, out string error)
    {
        days = [];
        error = "";
        if (text.Equals("daily", StringComparison.OrdinalIgnoreCase) || text == "*")
        {
            days.UnionWith(Enum.GetValues<DayOfWeek>());
            return true;
        }

        foreach (var item in text.Split(','))
        {
            var range = item.Split('-');
            if (range.Length > 2 || !TryParseDay(range[0], out var first) || !TryParseDay(range[^1], out var last))
            {
                error = $"'{item}' is not a day or day range: use Mon, Tue, Wed, Thu, Fri, Sat, Sun, ranges like Mon-Fri, or 'daily'";
                return false;
            }

            // Ranges may wrap around the week: Fri-Mon is Fri, Sat, Sun, Mon.
            for (var day = first; ; day = (DayOfWeek)(((int)day + 1) % 7))
            {
                days.Add(day);
                if (day == last)
                {
                    break;
                }
            }
        }

        return true;
    }

    private static bool TryParseDay(string text, out DayOfWeek day)
    {
        var index = Array.FindIndex(s_dayNames, name => name.Equals(text.Trim(), StringComparison.OrdinalIgnoreCase));
        day = (DayOfWeek)Math.Max(index, 0);
        return index >= 0;
    }
}
