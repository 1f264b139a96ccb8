using System.Globalization;
using Microsoft.Extensions.Time.Testing;

namespace Keelson.Coordination.Tests;

public sealed class RebootWindowsTests
{
    private static RebootWindows Parse(string? windows, string? zone)
    {
        Assert.True(RebootWindows.TryParse(windows, zone, out var result, out var error), error);
        return result!;
    }

    private static DateTimeOffset Utc(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture);

    [Fact]
    public void Several_windows_in_a_zone_parse_and_describe_themselves()
    {
        var windows = Parse("Mon-Fri 02:00 2h; Sat,Sun 04:00 6h", "Europe/Berlin");

        Assert.Equal(2, windows.Windows.Count);
        Assert.Equal("Europe/Berlin", windows.Zone.Id);
        Assert.Equal("Mon-Fri 02:00 for 2h; Sat,Sun 04:00 for 6h (Europe/Berlin)", windows.Describe());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void No_windows_means_any_time(string? text)
    {
        var windows = Parse(text, "Europe/Berlin");
        var now = Utc("2026-11-25T13:37:00Z");

        Assert.Empty(windows.Windows);
        Assert.Equal("any time", windows.Describe());
        Assert.True(windows.IsOpen(now));
        Assert.Equal(now, windows.NextOpening(now));
        Assert.Equal(DateTimeOffset.MaxValue, windows.CurrentClosing(now));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("local")]
    [InlineData(" Local ")]
    public void No_zone_or_local_means_the_machine_zone(string? zone) =>
        Assert.Same(TimeZoneInfo.Local, Parse("daily 02:00 1h", zone).Zone);

    [Theory]
    [InlineData("Mars/Olympus")]
    [InlineData("Europe")] // a folder of zones, not a zone
    [InlineData("../../etc/passwd")]
    [InlineData("W. Europe Standard Time")]
    public void An_unknown_zone_is_refused_by_name(string zone)
    {
        Assert.False(RebootWindows.TryParse("daily 02:00 1h", zone, out var result, out var error));
        Assert.Null(result);
        Assert.StartsWith($"unknown time zone '{zone}'", error, StringComparison.Ordinal);
        Assert.Contains("IANA", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Mon 02:00 1h; Tue 9am 1h", "reboot window 'Tue 9am 1h': '9am' is not a start time")]
    [InlineData("Mon 02:00 1h; Someday 02:00 1h", "reboot window 'Someday 02:00 1h': 'Someday' is not a day")]
    [InlineData(";", "reboot windows ';' hold no window")]
    [InlineData("Mon 02:00", "reboot window 'Mon 02:00': 'Mon 02:00' is not a window")]
    public void A_bad_window_is_refused_naming_the_window_and_the_part(string text, string message)
    {
        Assert.False(RebootWindows.TryParse(text, "UTC", out var result, out var error));
        Assert.Null(result);
        Assert.StartsWith(message, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2026-11-22T12:00:00Z", "2026-11-23T05:00:00Z")] // Sunday: Monday's window comes first
    [InlineData("2026-11-24T12:00:00Z", "2026-11-25T03:00:00Z")] // Tuesday: Wednesday's comes first
    [InlineData("2026-11-25T03:30:00Z", "2026-11-25T03:30:00Z")] // inside Wednesday's: now
    [InlineData("2026-11-25T04:00:00Z", "2026-11-30T05:00:00Z")] // just after Wednesday's: next Monday's
    public void The_next_opening_of_several_windows_is_the_earliest(string now, string opens)
    {
        var windows = Parse("Wed 03:00 1h; Mon 05:00 1h", "UTC");

        Assert.Equal(Utc(opens), windows.NextOpening(Utc(now)));
        Assert.True(windows.IsOpen(Utc(opens)));
    }

    [Fact]
    public void Windows_that_touch_close_together_and_windows_apart_do_not()
    {
        var windows = Parse("Sat 22:00 2h; Sun 00:00 2h; Sun 03:00 1h", "UTC");

        Assert.Equal(Utc("2026-11-29T02:00:00Z"), windows.CurrentClosing(Utc("2026-11-28T23:00:00Z")));
        Assert.Null(windows.CurrentClosing(Utc("2026-11-29T02:30:00Z")));
        Assert.Equal(Utc("2026-11-29T03:00:00Z"), windows.NextOpening(Utc("2026-11-29T02:30:00Z")));
    }

    [Fact]
    public void Windows_that_hand_over_for_ever_never_close()
    {
        var windows = Parse("daily 00:00 12h; daily 12:00 12h", "UTC");

        Assert.Equal(DateTimeOffset.MaxValue, windows.CurrentClosing(Utc("2026-11-25T13:37:00Z")));
    }

    [Fact]
    public void The_week_wraps_from_saturday_night_into_sunday()
    {
        var windows = Parse("Sat 23:00 4h", "Europe/Berlin");
        var sunday0100 = Utc("2026-11-29T00:00:00Z"); // Sunday 01:00 CET

        Assert.True(windows.IsOpen(sunday0100));
        Assert.Equal(sunday0100, windows.NextOpening(sunday0100));
        Assert.Equal(Utc("2026-11-29T02:00:00Z"), windows.CurrentClosing(sunday0100));
    }

    [Theory]
    [InlineData("04:00", "1h30m", "daily 04:00 for 1h30m (Europe/Berlin)", "2026-11-27T03:00:00Z")] // Friday 04:00 CET
    [InlineData("Thu 04:00", "1h30m", "Thu 04:00 for 1h30m (Europe/Berlin)", "2026-12-03T03:00:00Z")] // next Thursday
    [InlineData("thu 4:00", "90m", "Thu 04:00 for 1h30m (Europe/Berlin)", "2026-12-03T03:00:00Z")]
    public void Locksmith_settings_make_a_daily_or_weekly_window(string start, string length, string description, string nextOpening)
    {
        Assert.True(RebootWindows.TryParseLocksmith(start, length, "Europe/Berlin", out var windows, out var error), error);

        Assert.Equal(description, windows!.Describe());
        Assert.Equal(Utc(nextOpening), windows.NextOpening(Utc("2026-11-26T12:00:00Z"))); // a Thursday afternoon
        Assert.Equal(Utc(nextOpening).AddMinutes(90), windows.CurrentClosing(Utc(nextOpening)));
    }

    [Fact]
    public void Locksmith_without_a_window_means_any_time()
    {
        Assert.True(RebootWindows.TryParseLocksmith(null, "", null, out var windows, out var error), error);

        Assert.Equal("any time", windows!.Describe());
        Assert.Same(TimeZoneInfo.Local, windows.Zone);
    }

    [Theory]
    [InlineData("04:00", null, "UTC", "reboot window start is set without a length")]
    [InlineData(null, "1h", "UTC", "reboot window length is set without a start")]
    [InlineData("25:00", "1h", "UTC", "reboot window start '25:00' has no valid time of day")]
    [InlineData("04:00", "24h", "UTC", "reboot window length '24h' must be a duration")]
    [InlineData("04:00", "1h", "Nowhere/Special", "unknown time zone 'Nowhere/Special'")]
    public void Bad_locksmith_settings_are_refused_naming_the_setting(string? start, string? length, string zone, string message)
    {
        Assert.False(RebootWindows.TryParseLocksmith(start, length, zone, out var windows, out var error));
        Assert.Null(windows);
        Assert.StartsWith(message, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Europe/Berlin", "2026-10-19T12:00:00Z")]    // a Monday; fall back on Sunday 2026-10-25
    [InlineData("Europe/Berlin", "2027-03-22T12:00:00Z")]    // spring forward on Sunday 2027-03-28
    [InlineData("America/New_York", "2026-10-26T12:00:00Z")] // fall back on Sunday 2026-11-01
    [InlineData("America/New_York", "2027-03-08T12:00:00Z")] // spring forward on Sunday 2027-03-14
    public void Openings_and_closings_predict_IsOpen_on_a_clock_running_through_a_DST_week(string zone, string start)
    {
        // Sunday 01:00-03:30 covers the skipped and the repeated hour in both zones.
        var windows = Parse("Sun 02:30 1h; Sun 01:00 3h; Sat 23:00 4h; Mon-Fri 23:30 1h; Wed 12:00 30m", zone);
        var clock = new FakeTimeProvider(Utc(start));
        var end = clock.GetUtcNow().AddDays(7);
        var wasOpen = windows.IsOpen(clock.GetUtcNow());
        DateTimeOffset? predicted = null; // the next change of state, as the previous step saw it
        var openings = 0;

        for (; clock.GetUtcNow() < end; clock.Advance(TimeSpan.FromMinutes(5)))
        {
            var now = clock.GetUtcNow();
            var open = windows.IsOpen(now);
            if (predicted is { } change)
            {
                // Every window here opens and closes on the half hour in UTC, so the 5-minute steps land on each change.
                Assert.True(now <= change, $"the change predicted for {change:O} did not happen by {now:O}");
                Assert.True(now == change == (open != wasOpen), $"at {now:O} open={open} after {wasOpen}, but the change was predicted for {change:O}");
            }

            if (open)
            {
                var closes = windows.CurrentClosing(now);
                Assert.NotNull(closes);
                Assert.True(closes > now, $"closing {closes:O} is not after {now:O}");
                Assert.True(windows.IsOpen(closes.Value.AddTicks(-1)), $"not open just before its closing {closes:O}");
                Assert.False(windows.IsOpen(closes.Value), $"still open at its closing {closes:O}");
                Assert.Equal(now, windows.NextOpening(now));
                predicted = closes;
                openings += wasOpen ? 0 : 1;
            }
            else
            {
                var opens = windows.NextOpening(now);
                Assert.Null(windows.CurrentClosing(now));
                Assert.True(opens > now, $"next opening {opens:O} is not after {now:O}");
                Assert.True(windows.IsOpen(opens), $"not open at its opening {opens:O}");
                Assert.False(windows.IsOpen(opens.AddTicks(-1)), $"already open just before its opening {opens:O}");
                predicted = opens;
            }

            wasOpen = open;
        }

        // Monday to Friday nights, Wednesday noon, and Saturday 23:00 running on into both Sunday windows as one stretch.
        Assert.Equal(7, openings);
    }
}
