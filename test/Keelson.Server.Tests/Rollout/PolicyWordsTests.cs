using Keelson.Server.Api.Contracts;
using Keelson.Server.Rollout;

namespace Keelson.Server.Tests.Rollout;

public sealed class PolicyWordsTests
{
    private static GroupInfo Group(
        bool enabled = true, string? pausedReason = null, bool safeMode = false, int max = 0, string period = "1h",
        IReadOnlyList<string>? windows = null, string zone = "UTC", string ramp = "0") =>
        new("stable", "stable", "1.1.0", enabled, pausedReason, safeMode, max, period, "1h", windows ?? [], zone, ramp, null, 1);

    [Fact]
    public void A_careful_policy_reads_as_an_operator_says_it() =>
        Assert.Equal(
            "safe mode, at most 10 per hour, Mon-Fri 09:00-17:00 Europe/Berlin, ramp over 24 h",
            PolicyWords.Describe(Group(safeMode: true, max: 10, windows: ["Mon-Fri 09:00 8h"], zone: "Europe/Berlin", ramp: "24h")));

    [Fact]
    public void No_policy_says_that_every_machine_may_update_at_any_time() =>
        Assert.Equal("every machine at once, any time", PolicyWords.Describe(Group()));

    [Theory]
    [InlineData("30m", "at most 5 per 30 min")]
    [InlineData("24h", "at most 5 per day")]
    [InlineData("168h", "at most 5 per week")]
    [InlineData("1h30m", "at most 5 per 90 min")]
    [InlineData("1h30m15s", "at most 5 per 1h30m15s")]
    public void Periods_are_named(string period, string words) =>
        Assert.Equal(words, PolicyWords.Describe(Group(max: 5, period: period)));

    [Fact]
    public void A_halted_group_says_why_first() =>
        Assert.StartsWith(
            "paused (safe mode halted the rollout of 1.2.0", PolicyWords.Describe(Group(enabled: false, pausedReason: "safe mode halted the rollout of 1.2.0: ...", safeMode: true)));

    [Fact]
    public void Windows_past_midnight_and_longer_than_a_day_keep_their_meaning() =>
        Assert.Equal(
            "daily 22:00-02:00, Sat 00:00 for 48h UTC",
            PolicyWords.Describe(Group(windows: ["daily 22:00 4h", "Sat 00:00 48h"])));
}
