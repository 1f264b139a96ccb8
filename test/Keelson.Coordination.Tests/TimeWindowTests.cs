namespace Keelson.Coordination.Tests;

public sealed class TimeWindowTests
{
    private static readonly TimeZoneInfo s_berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

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
}
