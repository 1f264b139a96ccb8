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
    // Lengths are at most a week (TryParse), so an occurrence that opened more than 7 local days before today has closed.
    private const int LookBackDays = 7;

    // How far CurrentClosing follows a stretch of touching occurrences before calling the window "never closes".
    private const int ClosingHorizonDays = 366 + 8;

    private static readonly string[] s_dayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

    // Monday first, as people write weeks.
    private static readonly DayOfWeek[] s_mondayFirst =
        [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday, DayOfWeek.Saturday, DayOfWeek.Sunday];

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
    /// <remarks>An occurrence is open from its opening instant (included) to its opening plus <see cref="Length"/> (excluded).</remarks>
    public bool IsOpen(DateTimeOffset now, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        foreach (var (opens, closes) in Occurrences(LocalDay(now, zone).AddDays(-LookBackDays), LookBackDays + 1, zone))
        {
            if (opens <= now && now < closes)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The first instant at or after <paramref name="now"/> at which this window is open in <paramref name="zone"/>:
    /// <paramref name="now"/> itself if the window is open now, else with <paramref name="zone"/>'s offset at that instant.
    /// </summary>
    /// <remarks>
    /// <see cref="Start"/> is a wall-clock time in <paramref name="zone"/>. On a day the clocks spring forward over it
    /// (02:30 on the last Sunday of March in Europe/Berlin) the window opens at the first instant after the gap
    /// (03:00 CEST); on a day the clocks fall back over it, at its first occurrence (02:30 CEST, not 02:30 CET).
    /// </remarks>
    /// <exception cref="InvalidOperationException">The window has no days or no length, so it never opens (parsing never yields one).</exception>
    public DateTimeOffset NextOpening(DateTimeOffset now, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        if (Days.Count == 0 || Length <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"the window '{this}' has no days or no length, so it never opens");
        }

        if (IsOpen(now, zone))
        {
            return now;
        }

        // Openings come in order, and every window day comes round again within a week: today's opening may have passed.
        foreach (var (opens, _) in Occurrences(LocalDay(now, zone), 9, zone))
        {
            if (opens > now)
            {
                return opens;
            }
        }

        throw new InvalidOperationException($"the window '{this}' has no opening within a week of {now:O} in {zone.Id}");
    }

    /// <summary>
    /// When the window that is open at <paramref name="now"/> in <paramref name="zone"/> closes - the first instant after
    /// <paramref name="now"/> at which <see cref="IsOpen"/> is false - or <see langword="null"/> if it is closed now.
    /// </summary>
    /// <remarks>
    /// The length is elapsed time, so an occurrence closes <see cref="Length"/> after it opened whatever the clocks did in
    /// between. Occurrences that overlap or touch (<c>daily 00:00 24h</c>) make one stretch and close at its end; a window that
    /// stays open for more than a year from <paramref name="now"/> reports <see cref="DateTimeOffset.MaxValue"/>, "never".
    /// </remarks>
    public DateTimeOffset? CurrentClosing(DateTimeOffset now, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        DateTimeOffset? closes = null;
        foreach (var (opens, ends) in Occurrences(LocalDay(now, zone).AddDays(-LookBackDays), LookBackDays + ClosingHorizonDays, zone))
        {
            var extends = opens <= now ? ends > now : closes is { } open && opens <= open;
            if (extends)
            {
                closes = closes is { } earlier && earlier > ends ? earlier : ends;
            }
            else if (opens > now)
            {
                // Openings come in order: nothing later can reach back to now or to the end of the stretch.
                return closes;
            }
        }

        return closes is null ? null : DateTimeOffset.MaxValue;
    }

    /// <summary>The window for people reading a status: <c>Mon-Fri 09:00 for 8h</c>, <c>daily 02:00 for 1h30m</c>.</summary>
    public string Describe() =>
        string.Create(CultureInfo.InvariantCulture, $"{DescribeDays()} {Start:hh\\:mm} for {GoDuration.Format(Length)}");

    /// <summary>
    /// The window as opening hours: <c>Mon-Fri 09:00-17:00</c>, <c>daily 22:00-02:00</c> (closing the next day);
    /// a window of a day or longer keeps its length: <c>Sat 00:00 for 48h</c>.
    /// </summary>
    public string DescribeHours()
    {
        if (Length >= TimeSpan.FromDays(1))
        {
            return Describe();
        }

        var end = Start + Length;
        if (end >= TimeSpan.FromDays(1))
        {
            end -= TimeSpan.FromDays(1);
        }

        return string.Create(CultureInfo.InvariantCulture, $"{DescribeDays()} {Start:hh\\:mm}-{end:hh\\:mm}");
    }

    public override string ToString()
    {
        var builder = new StringBuilder();
        builder.Append(Days.Count == 7 ? "daily" : string.Join(',', Days.Order().Select(d => s_dayNames[(int)d])));
        builder.Append(CultureInfo.InvariantCulture, $" {Start:hh\\:mm} {GoDuration.Format(Length)}");
        return builder.ToString();
    }

    private static DateTime LocalDay(DateTimeOffset now, TimeZoneInfo zone) => TimeZoneInfo.ConvertTime(now, zone).Date;

    /// <summary>
    /// The occurrences on <paramref name="count"/> local days from <paramref name="firstDay"/>, in order of opening:
    /// the local-time-to-instant mapping below never goes backwards, so later days open no earlier.
    /// </summary>
    private IEnumerable<(DateTimeOffset Opens, DateTimeOffset Closes)> Occurrences(DateTime firstDay, int count, TimeZoneInfo zone)
    {
        for (var i = 0; i < count; i++)
        {
            var day = firstDay.AddDays(i);
            if (Days.Contains(day.DayOfWeek))
            {
                var opens = ToInstant(day + Start, zone);
                yield return (opens, opens + Length);
            }
        }
    }

    private string DescribeDays()
    {
        if (Days.Count == 7)
        {
            return "daily";
        }

        // Three or more days in a row become a range.
        var week = s_mondayFirst;
        var parts = new List<string>();
        for (var i = 0; i < week.Length; i++)
        {
            if (!Days.Contains(week[i]))
            {
                continue;
            }

            var last = i;
            while (last + 1 < week.Length && Days.Contains(week[last + 1]))
            {
                last++;
            }

            if (last - i >= 2)
            {
                parts.Add($"{s_dayNames[(int)week[i]]}-{s_dayNames[(int)week[last]]}");
                i = last;
            }
            else
            {
                parts.Add(s_dayNames[(int)week[i]]);
            }
        }

        return string.Join(',', parts);
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
