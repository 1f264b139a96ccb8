using Keelson.Server.Rollout;

namespace Keelson.Server.Tests.Rollout;

public sealed class RolloutRampTests
{
    [Fact]
    public void A_machines_place_is_stable_and_ignores_case()
    {
        Assert.Equal(RolloutRamp.Place("abce671d61774703ac7be60715220bfe"), RolloutRamp.Place("ABCE671D61774703AC7BE60715220BFE"));
        Assert.NotEqual(RolloutRamp.Place("machine-1"), RolloutRamp.Place("machine-2"));
    }

    [Fact]
    public void Places_spread_evenly_over_the_group()
    {
        var places = Enumerable.Range(0, 10_000).Select(i => RolloutRamp.Place($"machine-{i}")).ToList();

        Assert.All(places, p => Assert.InRange(p, 0, 0.9999999999));
        for (var decile = 0; decile < 10; decile++)
        {
            var count = places.Count(p => p >= decile / 10.0 && p < (decile + 1) / 10.0);
            Assert.InRange(count, 850, 1150);
        }
    }

    [Fact]
    public void The_share_grows_linearly_over_the_ramp_and_stays_full_after_it()
    {
        var start = new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);
        var ramp = TimeSpan.FromHours(10);

        Assert.Equal(0, RolloutRamp.Share(start, ramp, start));
        Assert.Equal(0.25, RolloutRamp.Share(start, ramp, start.AddHours(2.5)), 6);
        Assert.Equal(1, RolloutRamp.Share(start, ramp, start.AddHours(10)));
        Assert.Equal(1, RolloutRamp.Share(start, ramp, start.AddDays(3)));
        Assert.Equal(1, RolloutRamp.Share(start, TimeSpan.Zero, start));
    }
}
