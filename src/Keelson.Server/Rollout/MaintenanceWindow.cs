using System.Globalization;
using System.Text;

namespace Keelson.Server.Rollout;

/// <summary>
/// A weekly maintenance window: the days it opens on, the local time it opens and how long it stays open,
/// written <c>Mon-Fri 09:00 8h</c>, <c>Sat,Sun 01:30 2h30m</c> or <c>daily 02:00 1h</c>.
/// A window may run past midnight; its length is elapsed time, so a DST change inside it does not stretch it.
/// </summary>
public sealed record MaintenanceWindow(IReadOnlySet<DayOfWeek> Days, TimeSpan Start, TimeSpan Length)
{
    private static readonly string[] s_dayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

    /// <summary>Parses one window; the error says what part was wrong.</summary>
    public static bool TryParse(string text, out MaintenanceWindow? window, out string error)
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

        window = new MaintenanceWindow(days, start, length);
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
