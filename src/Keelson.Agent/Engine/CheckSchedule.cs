namespace Keelson.Agent.Engine;

/// <summary>
/// When to check next, as update_engine decides it: a first check a while after start, then every interval
/// (45 minutes) with a fuzz of a ninth either way (45 +- 5 minutes) so a fleet does not check in lockstep; after a
/// failed check the interval doubles each time, up to four hours; a <c>PollInterval</c> from the server replaces
/// the interval for the next wait.
/// </summary>
public sealed class CheckSchedule(TimeSpan interval, TimeSpan firstDelay, Random random)
{
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromHours(4);

    private int _failures;

    public TimeSpan Interval => interval;

    /// <summary>Consecutive failed checks.</summary>
    public int Failures => _failures;

    public TimeSpan First() => Fuzz(firstDelay);

    public TimeSpan AfterSuccess(TimeSpan? pollInterval)
    {
        _failures = 0;
        return Fuzz(pollInterval ?? interval);
    }

    public TimeSpan AfterFailure()
    {
        _failures++;
        var backoff = interval.Ticks * Math.Pow(2, Math.Min(_failures, 30));
        return Fuzz(TimeSpan.FromTicks((long)Math.Min(backoff, Math.Max(MaxBackoff.Ticks, interval.Ticks))));
    }

    private TimeSpan Fuzz(TimeSpan wait)
    {
        var spread = wait.Ticks / 9;
        return TimeSpan.FromTicks(wait.Ticks - spread + (long)(random.NextDouble() * 2 * spread));
    }
}
