namespace Keelson.Coordination.Tests;

public sealed class TimeWindowTests
{
    private static readonly TimeZoneInfo s_berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
    private static readonly TimeZoneInfo s_newYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    private static TimeWindow Parse(string text)
    {
        Assert.True(TimeWindow.TryParse(text, out var window, out var error), error);
        return window!;
    }

    private static DateTimeOffset Utc(string text) => DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("Mon-Fri 09:00 8h", "Mon,Tue,Wed,Thu,Fri 09:00 8h")]
    [InlineData("sat,SUN 01:30 2h30m", "Sun,Sat 01:30 2h30m")]
    [InlineData("daily 02:00 1h", "daily 02:00 1h")]
    [InlineData("Fri-Mon 22:00 4h", "Sun,Mon,Fri,Sat 22:00 4h")]
    public void Windows_parse_and_print_in_a_canonical_form(string text, string canonical) =>
        Assert.Equal(canonical, Parse(text).ToString());

    [Theory]
    [InlineData("Mon 09:00", "expected DAYS HH:MM LENGTH")]
    [InlineData("Someday 09:00 1h", "'Someday' is not a day")]
    [InlineData("Mon 9am 1h", "'9am' is not a start time")]
    [InlineData("Mon 24:00 1h", "'24:00' is not a start time")]
    [InlineData("Mon 09:00 0h", "'0h' is not a window length")]
    [InlineData("Mon 09:00 200h", "'200h' is not a window length")]
    [InlineData("Mon-Tue-Wed 09:00 1h", "'Mon-Tue-Wed' is not a day")]
    public void Bad_windows_are_refused_naming_the_part(string text, string error)
    {
        Assert.False(TimeWindow.TryParse(text, out _, out var message));
        Assert.Contains(error, message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2026-11-23T08:59:59Z", false)] // Monday 09:59:59 Berlin
    [InlineData("2026-11-23T09:00:00Z", true)]
    [InlineData("2026-11-23T09:59:59Z", true)]
    [InlineData("2026-11-23T10:00:00Z", false)]
    public void A_window_opens_at_its_local_time_for_its_length(string now, bool open) =>
        Assert.Equal(open, Parse("Mon 10:00 1h").IsOpen(Utc(now), s_berlin));

    [Theory]
    [InlineData("2026-11-28T22:30:00Z", true)]  // Saturday 23:30 Berlin
    [InlineData("2026-11-29T00:30:00Z", true)]  // Sunday 01:30 Berlin, the window opened Saturday
    [InlineData("2026-11-29T01:00:00Z", false)] // Sunday 02:00 Berlin
    [InlineData("2026-11-29T22:30:00Z", false)] // Sunday 23:30 Berlin: not a window day
    public void A_window_runs_past_midnight_into_the_next_day(string now, bool open) =>
        Assert.Equal(open, Parse("Sat 23:00 3h").IsOpen(Utc(now), s_berlin));

    [Theory]
    [InlineData("2026-11-29T23:30:00Z", true)]  // Sunday 23:30 UTC
    [InlineData("2026-11-30T01:59:00Z", true)]  // Monday 01:59 UTC: the week wrapped
    [InlineData("2026-11-30T02:00:00Z", false)]
    public void A_window_wraps_from_sunday_into_monday(string now, bool open) =>
        Assert.Equal(open, Parse("Sun 23:00 3h").IsOpen(Utc(now), TimeZoneInfo.Utc));

    [Fact]
    public void A_window_in_the_spring_forward_gap_opens_when_the_clocks_jump()
    {
        // 2027-03-28: Berlin jumps from 02:00 CET to 03:00 CEST (01:00 UTC). 02:30 does not exist that day.
        var window = Parse("Sun 02:30 1h");

        Assert.False(window.IsOpen(Utc("2027-03-28T00:59:00Z"), s_berlin));
        Assert.True(window.IsOpen(Utc("2027-03-28T01:00:00Z"), s_berlin));
        Assert.True(window.IsOpen(Utc("2027-03-28T01:59:00Z"), s_berlin));
        Assert.False(window.IsOpen(Utc("2027-03-28T02:00:00Z"), s_berlin));
    }

    [Fact]
    public void A_window_at_a_repeated_hour_opens_at_its_first_occurrence_and_lasts_its_length()
    {
        // 2026-10-25: Berlin goes back from 03:00 CEST to 02:00 CET (01:00 UTC); 02:30 happens twice.
        var window = Parse("Sun 02:30 1h");

        Assert.False(window.IsOpen(Utc("2026-10-25T00:29:00Z"), s_berlin));
        Assert.True(window.IsOpen(Utc("2026-10-25T00:30:00Z"), s_berlin));  // 02:30 CEST
        Assert.True(window.IsOpen(Utc("2026-10-25T01:29:00Z"), s_berlin));  // 02:29 CET, still inside the hour
        Assert.False(window.IsOpen(Utc("2026-10-25T01:30:00Z"), s_berlin)); // 02:30 CET: the length is elapsed time
    }

    [Fact]
    public void A_daily_window_is_open_every_day_at_the_same_local_time_across_a_DST_change()
    {
        var window = Parse("daily 04:00 1h");

        Assert.True(window.IsOpen(Utc("2026-10-24T02:30:00Z"), s_berlin)); // Sat 04:30 CEST
        Assert.True(window.IsOpen(Utc("2026-10-25T03:30:00Z"), s_berlin)); // Sun 04:30 CET
        Assert.False(window.IsOpen(Utc("2026-10-25T02:30:00Z"), s_berlin)); // Sun 03:30 CET
    }

    [Theory]
    [InlineData("04:00", "1h30m", "daily 04:00 1h30m")]
    [InlineData("Thu 04:00", "1h30m", "Thu 04:00 1h30m")]
    [InlineData("sun 0:05", "3d", "Sun 00:05 72h")]
    [InlineData("23:59", "23h", "daily 23:59 23h")]
    public void Locksmith_windows_parse_into_weekly_windows(string start, string length, string canonical)
    {
        Assert.True(TimeWindow.TryParseLocksmith(start, length, out var window, out var error), error);
        Assert.Equal(canonical, window!.ToString());
    }

    [Theory]
    [InlineData("24:00", "1h", "no valid time of day")]
    [InlineData("Thu 4", "1h", "no valid time of day")]
    [InlineData("Someday 04:00", "1h", "must be HH:MM or a day")]
    [InlineData("Thu 04:00 extra", "1h", "must be HH:MM or a day")]
    [InlineData("04:00", "24h", "shorter than a day")]
    [InlineData("Thu 04:00", "168h", "shorter than a week")]
    [InlineData("04:00", "soon", "must be a duration")]
    public void Bad_locksmith_windows_are_refused_naming_the_setting(string start, string length, string error)
    {
        Assert.False(TimeWindow.TryParseLocksmith(start, length, out _, out var message));
        Assert.Contains(error, message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2026-11-26T03:59:00Z", false)] // Thursday
    [InlineData("2026-11-26T04:00:00Z", true)]
    [InlineData("2026-11-26T05:29:00Z", true)]
    [InlineData("2026-11-26T05:30:00Z", false)]
    [InlineData("2026-11-19T04:30:00Z", true)]  // the Thursday before
    [InlineData("2026-11-27T04:30:00Z", false)] // Friday
    public void A_weekly_locksmith_window_opens_on_its_day_only(string now, bool open)
    {
        Assert.True(TimeWindow.TryParseLocksmith("Thu 04:00", "1h30m", out var window, out _));
        Assert.Equal(open, window!.IsOpen(Utc(now), TimeZoneInfo.Utc));
    }

    [Fact]
    public void An_open_window_opens_now_and_closes_after_its_length()
    {
        var window = Parse("Mon 10:00 1h");
        var opens = Utc("2026-11-23T09:00:00Z"); // Monday 10:00 Berlin

        Assert.Equal(opens, window.NextOpening(opens, s_berlin));
        Assert.Equal(Utc("2026-11-23T10:00:00Z"), window.CurrentClosing(opens, s_berlin));
        Assert.True(window.IsOpen(opens, s_berlin));
        Assert.False(window.IsOpen(Utc("2026-11-23T10:00:00Z"), s_berlin)); // the closing instant is outside
    }

    [Fact]
    public void A_closed_window_names_its_next_opening_and_no_closing()
    {
        var window = Parse("Mon 10:00 1h");

        Assert.Equal(Utc("2026-11-23T09:00:00Z"), window.NextOpening(Utc("2026-11-22T12:00:00Z"), s_berlin));
        Assert.Null(window.CurrentClosing(Utc("2026-11-22T12:00:00Z"), s_berlin));
        // Just closed: the next opening is a week on.
        Assert.Equal(Utc("2026-11-30T09:00:00Z"), window.NextOpening(Utc("2026-11-23T10:00:00Z"), s_berlin));
    }

    [Theory]
    [InlineData("2026-11-24T00:15:00Z", "2026-11-24T00:15:00Z", "2026-11-24T00:30:00Z")] // Tue: Monday's window
    [InlineData("2026-11-28T00:15:00Z", "2026-11-28T00:15:00Z", "2026-11-28T00:30:00Z")] // Sat: Friday's window
    [InlineData("2026-11-29T00:15:00Z", "2026-11-30T23:30:00Z", null)]                   // Sun: nothing ran into it
    [InlineData("2026-11-24T00:30:00Z", "2026-11-24T23:30:00Z", null)]
    public void Openings_and_closings_follow_a_window_across_midnight(string now, string nextOpening, string? closing)
    {
        var window = Parse("Mon-Fri 23:30 1h");

        Assert.Equal(Utc(nextOpening), window.NextOpening(Utc(now), TimeZoneInfo.Utc));
        Assert.Equal(closing is null ? null : Utc(closing), window.CurrentClosing(Utc(now), TimeZoneInfo.Utc));
    }

    [Fact]
    public void A_saturday_window_is_open_on_sunday_morning_across_the_week_wrap()
    {
        var window = Parse("Sat 23:00 4h");
        var sunday0100 = Utc("2026-11-29T00:00:00Z"); // Sunday 01:00 CET

        Assert.True(window.IsOpen(sunday0100, s_berlin));
        Assert.Equal(sunday0100, window.NextOpening(sunday0100, s_berlin));
        Assert.Equal(Utc("2026-11-29T02:00:00Z"), window.CurrentClosing(sunday0100, s_berlin)); // Sunday 03:00 CET
        Assert.Equal(Utc("2026-12-05T22:00:00Z"), window.NextOpening(Utc("2026-11-29T02:00:00Z"), s_berlin));
    }

    [Theory]
    // 2027-03-28 Berlin: 02:00 CET -> 03:00 CEST at 01:00 UTC. 02:30 is skipped, so the window opens at 03:00 CEST.
    [InlineData("Europe/Berlin", "2027-03-27T12:00:00Z", "2027-03-28T01:00:00Z", "2027-03-28T02:00:00Z")]
    // 2027-03-14 New York: 02:00 EST -> 03:00 EDT at 07:00 UTC.
    [InlineData("America/New_York", "2027-03-13T12:00:00Z", "2027-03-14T07:00:00Z", "2027-03-14T08:00:00Z")]
    public void A_start_skipped_by_spring_forward_opens_at_the_first_instant_after_the_gap(string zone, string now, string opens, string closes)
    {
        var window = Parse("Sun 02:30 1h");
        var timeZone = TimeZoneInfo.FindSystemTimeZoneById(zone);

        Assert.Equal(Utc(opens), window.NextOpening(Utc(now), timeZone));
        Assert.False(window.IsOpen(Utc(opens).AddTicks(-1), timeZone));
        Assert.Equal(Utc(closes), window.CurrentClosing(Utc(opens), timeZone)); // one elapsed hour: 04:00 summer time
    }

    [Theory]
    // The hour is lost inside the window: 01:00 winter time plus 3 elapsed hours is 05:00 summer time by the wall clock.
    [InlineData("Europe/Berlin", "2027-03-28T00:00:00Z", "2027-03-28T03:00:00Z")]    // 01:00 CET -> 05:00 CEST
    [InlineData("America/New_York", "2027-03-14T06:00:00Z", "2027-03-14T09:00:00Z")] // 01:00 EST -> 05:00 EDT
    // The hour is repeated inside the window: 01:00 summer time plus 3 elapsed hours is 03:00 winter time by the wall clock,
    // two hours on the clock face. In Berlin 02:00-03:00 is lived twice; in New York 01:00-02:00 is, and the start itself
    // is ambiguous, so the window opens at its first occurrence (01:00 EDT, not 01:00 EST).
    [InlineData("Europe/Berlin", "2026-10-24T23:00:00Z", "2026-10-25T02:00:00Z")]    // 01:00 CEST -> 03:00 CET
    [InlineData("America/New_York", "2026-11-01T05:00:00Z", "2026-11-01T08:00:00Z")] // 01:00 EDT -> 03:00 EST
    public void A_window_over_a_DST_change_lasts_its_length_in_elapsed_time(string zone, string opens, string closes)
    {
        var window = Parse("Sun 01:00 3h");
        var timeZone = TimeZoneInfo.FindSystemTimeZoneById(zone);

        Assert.Equal(Utc(opens), window.NextOpening(Utc(opens).AddDays(-1), timeZone));
        Assert.Equal(Utc(closes), window.CurrentClosing(Utc(opens), timeZone));
        Assert.Equal(TimeSpan.FromHours(3), window.CurrentClosing(Utc(opens), timeZone) - Utc(opens));
        Assert.True(window.IsOpen(Utc(closes).AddTicks(-1), timeZone));
        Assert.False(window.IsOpen(Utc(closes), timeZone));
    }

    [Theory]
    // 2026-10-25 Berlin: 03:00 CEST -> 02:00 CET at 01:00 UTC; 02:30 CEST is 00:30 UTC, 02:30 CET is 01:30 UTC.
    [InlineData("Europe/Berlin", "Sun 02:30 1h", "2026-10-24T12:00:00Z", "2026-10-25T00:30:00Z", "2026-11-01T01:30:00Z")]
    // 2026-11-01 New York: 02:00 EDT -> 01:00 EST at 06:00 UTC; 01:30 EDT is 05:30 UTC, 01:30 EST is 06:30 UTC.
    [InlineData("America/New_York", "Sun 01:30 1h", "2026-10-31T12:00:00Z", "2026-11-01T05:30:00Z", "2026-11-08T06:30:00Z")]
    public void A_start_repeated_by_fall_back_opens_once_at_its_first_occurrence(string zone, string text, string now, string first, string nextWeek)
    {
        var window = Parse(text);
        var timeZone = TimeZoneInfo.FindSystemTimeZoneById(zone);
        var closes = Utc(first).AddHours(1); // the second occurrence of the start time, by the wall clock

        Assert.Equal(Utc(first), window.NextOpening(Utc(now), timeZone));
        Assert.Equal(closes, window.CurrentClosing(Utc(first), timeZone));
        // When the clock reads the start time again the window has just closed, and it does not open a second time.
        Assert.False(window.IsOpen(closes, timeZone));
        Assert.Equal(Utc(nextWeek), window.NextOpening(closes, timeZone));
    }

    [Fact]
    public void Whole_day_windows_that_touch_make_one_stretch_which_a_fall_back_day_interrupts()
    {
        var window = Parse("daily 00:00 24h");

        Assert.Equal(DateTimeOffset.MaxValue, window.CurrentClosing(Utc("2026-10-20T12:00:00Z"), TimeZoneInfo.Utc));
        // Each occurrence lasts 24 elapsed hours, but 2026-10-25 has 25 in Berlin: 00:00 CEST (22:00 UTC the day before)
        // plus 24h is 23:00 CET, an hour before Monday's occurrence opens.
        Assert.Equal(Utc("2026-10-25T22:00:00Z"), window.CurrentClosing(Utc("2026-10-20T12:00:00Z"), s_berlin));
        Assert.False(window.IsOpen(Utc("2026-10-25T22:30:00Z"), s_berlin));
        Assert.Equal(Utc("2026-10-25T23:00:00Z"), window.NextOpening(Utc("2026-10-25T22:00:00Z"), s_berlin));
    }

    [Theory]
    [InlineData("Mon-Fri 09:00 8h", "Mon-Fri 09:00 for 8h")]
    [InlineData("sat,SUN 01:30 2h30m", "Sat,Sun 01:30 for 2h30m")]
    [InlineData("daily 02:00 1h", "daily 02:00 for 1h")]
    [InlineData("Fri-Mon 22:00 4h", "Mon,Fri-Sun 22:00 for 4h")]
    [InlineData("Mon,Wed,Thu 04:00 90m", "Mon,Wed,Thu 04:00 for 1h30m")]
    public void Windows_describe_themselves_for_people(string text, string description) =>
        Assert.Equal(description, Parse(text).Describe());

    [Fact]
    public void A_window_without_days_has_no_next_opening()
    {
        var window = new TimeWindow(new HashSet<DayOfWeek>(), TimeSpan.FromHours(2), TimeSpan.FromHours(1));

        Assert.False(window.IsOpen(Utc("2026-11-23T02:30:00Z"), TimeZoneInfo.Utc));
        Assert.Null(window.CurrentClosing(Utc("2026-11-23T02:30:00Z"), TimeZoneInfo.Utc));
        Assert.Throws<InvalidOperationException>(() => window.NextOpening(Utc("2026-11-23T02:30:00Z"), TimeZoneInfo.Utc));
    }
}
