using Keelson.Agent.Engine;

namespace Keelson.Agent.Tests.Engine;

public sealed class CheckScheduleTests
{
    private static readonly TimeSpan s_interval = TimeSpan.FromMinutes(45);
    private static readonly TimeSpan s_firstDelay = TimeSpan.FromMinutes(9);

    private static TimeSpan Minutes(double minutes) => TimeSpan.FromMinutes(minutes);

    /// <summary>A schedule whose fuzz always lands in the middle, so that the unfuzzed waits can be compared exactly.</summary>
    private static CheckSchedule Unfuzzed(TimeSpan interval) => new(interval, s_firstDelay, new MiddleRandom());

    [Fact]
    public void Waits_stay_within_a_ninth_of_the_interval_either_way_over_many_draws()
    {
        var schedule = new CheckSchedule(s_interval, s_firstDelay, new Random(20240611));

        var waits = Enumerable.Range(0, 10_000).Select(_ => schedule.AfterSuccess(null)).ToList();

        Assert.All(waits, wait => Assert.InRange(wait, Minutes(40), Minutes(50)));
        // The fuzz is used, both ways, so that a fleet started together drifts apart.
        Assert.True(waits.Min() < Minutes(41), $"shortest wait {waits.Min()}");
        Assert.True(waits.Max() > Minutes(49), $"longest wait {waits.Max()}");
        Assert.InRange(TimeSpan.FromTicks((long)waits.Average(wait => wait.Ticks)), Minutes(44), Minutes(46));
    }

    [Fact]
    public void Two_machines_with_different_seeds_do_not_check_in_lockstep()
    {
        var one = new CheckSchedule(s_interval, s_firstDelay, new Random(1));
        var other = new CheckSchedule(s_interval, s_firstDelay, new Random(2));

        var first = Enumerable.Range(0, 10).Select(_ => one.AfterSuccess(null)).ToList();
        var second = Enumerable.Range(0, 10).Select(_ => other.AfterSuccess(null)).ToList();

        Assert.NotEqual(first, second);
    }

    [Fact]
    public void The_first_check_waits_the_first_delay_not_the_interval()
    {
        var schedule = new CheckSchedule(s_interval, s_firstDelay, new Random(7));

        var firsts = Enumerable.Range(0, 1000).Select(_ => schedule.First()).ToList();

        Assert.All(firsts, wait => Assert.InRange(wait, Minutes(8), Minutes(10)));
        Assert.Equal(s_firstDelay, Unfuzzed(s_interval).First());
    }

    [Fact]
    public void A_failed_check_doubles_the_wait_up_to_four_hours()
    {
        var schedule = Unfuzzed(s_interval);

        var waits = Enumerable.Range(0, 5).Select(_ => schedule.AfterFailure()).ToList();

        Assert.Equal([Minutes(90), Minutes(180), TimeSpan.FromHours(4), TimeSpan.FromHours(4), TimeSpan.FromHours(4)], waits);
        Assert.Equal(5, schedule.Failures);
        Assert.Equal(TimeSpan.FromHours(4), CheckSchedule.MaxBackoff);
    }

    [Fact]
    public void A_long_run_of_failures_stays_at_four_hours()
    {
        var schedule = Unfuzzed(s_interval);

        var waits = Enumerable.Range(0, 200).Select(_ => schedule.AfterFailure()).ToList();

        Assert.Equal(TimeSpan.FromHours(4), waits[^1]);
        Assert.All(waits, wait => Assert.InRange(wait, Minutes(90), TimeSpan.FromHours(4)));
        Assert.Equal(200, schedule.Failures);
    }

    [Fact]
    public void The_backoff_is_fuzzed_like_any_other_wait()
    {
        var schedule = new CheckSchedule(s_interval, s_firstDelay, new Random(99));
        for (var i = 0; i < 10; i++)
        {
            schedule.AfterFailure();
        }

        var waits = Enumerable.Range(0, 1000).Select(_ => schedule.AfterFailure()).ToList();

        var spread = TimeSpan.FromHours(4) / 9;
        Assert.All(waits, wait => Assert.InRange(wait, TimeSpan.FromHours(4) - spread, TimeSpan.FromHours(4) + spread));
        Assert.True(waits.Distinct().Count() > 1);
    }

    [Fact]
    public void An_interval_above_four_hours_is_not_shortened_by_a_failure()
    {
        var schedule = Unfuzzed(TimeSpan.FromHours(6));

        var waits = Enumerable.Range(0, 3).Select(_ => schedule.AfterFailure()).ToList();

        Assert.Equal([TimeSpan.FromHours(6), TimeSpan.FromHours(6), TimeSpan.FromHours(6)], waits);
    }

    [Fact]
    public void A_successful_check_resets_the_backoff()
    {
        var schedule = Unfuzzed(s_interval);
        schedule.AfterFailure();
        schedule.AfterFailure();
        Assert.Equal(2, schedule.Failures);

        var afterSuccess = schedule.AfterSuccess(null);
        var nextFailure = schedule.AfterFailure();

        Assert.Equal(s_interval, afterSuccess);
        Assert.Equal(Minutes(90), nextFailure);
        Assert.Equal(1, schedule.Failures);
    }

    [Fact]
    public void A_poll_interval_from_the_server_replaces_the_interval_for_that_wait_only()
    {
        var schedule = Unfuzzed(s_interval);

        var polled = schedule.AfterSuccess(TimeSpan.FromHours(2));
        var next = schedule.AfterSuccess(null);
        var failed = schedule.AfterFailure();

        Assert.Equal(TimeSpan.FromHours(2), polled);
        Assert.Equal(s_interval, next);
        Assert.Equal(Minutes(90), failed);
        Assert.Equal(s_interval, schedule.Interval);
    }

    [Fact]
    public void A_poll_interval_is_fuzzed_by_a_ninth_of_itself()
    {
        var schedule = new CheckSchedule(s_interval, s_firstDelay, new Random(3));

        var waits = Enumerable.Range(0, 1000).Select(_ => schedule.AfterSuccess(Minutes(90))).ToList();

        Assert.All(waits, wait => Assert.InRange(wait, Minutes(80), Minutes(100)));
    }

    private sealed class MiddleRandom : Random
    {
        public override double NextDouble() => 0.5;
    }
}
