using System.Collections.Concurrent;
using System.Threading.Channels;
using Keelson.Agent.Configuration;
using Keelson.Agent.Engine;
using Keelson.Coordination;
using Keelson.Coordination.Locks;
using Microsoft.Extensions.Time.Testing;

namespace Keelson.Agent.Tests.Engine;

public sealed class RebootCoordinatorTests : IDisposable
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2025, 1, 15, 12, 0, 0, TimeSpan.Zero));
    private readonly ObservedTime _time;
    private readonly ConcurrentQueue<string> _heard = new();
    private readonly CancellationTokenSource _cancellation = new();

    public RebootCoordinatorTests()
    {
        _time = new ObservedTime(_clock);
    }

    public void Dispose()
    {
        _cancellation.Cancel();
        _cancellation.Dispose();
    }

    private static RebootWindows Windows(string text)
    {
        Assert.True(RebootWindows.TryParse(text, "Europe/Berlin", out var windows, out var error), error);
        return windows!;
    }

    private Task<HeldRebootLock?> WaitForPermission(RebootStrategy strategy, RebootWindows windows, IRebootLock? rebootLock) =>
        new RebootCoordinator(strategy, windows, rebootLock, _time).WaitForPermissionAsync("m1", wait => _heard.Enqueue(wait.Text), _cancellation.Token);

    /// <summary>The next wait the coordinator starts on the clock, once it has started it.</summary>
    private async Task<TimeSpan> NextWaitAsync() => await _time.Waits.Reader.ReadAsync().AsTask().WaitAsync(s_deadline);

    [Fact]
    public async Task Off_never_gives_permission_and_says_it_waits_for_a_manual_reboot()
    {
        var permission = WaitForPermission(RebootStrategy.Off, Windows(""), null);

        _clock.Advance(TimeSpan.FromDays(400));

        Assert.False(permission.IsCompleted);
        Assert.Equal(
            ["REBOOT_STRATEGY=off: the update waits on the passive slot until the machine is rebooted by hand"],
            _heard);
        await _cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => permission.WaitAsync(s_deadline));
    }

    [Fact]
    public async Task Reboot_with_no_window_gives_permission_at_once_and_holds_no_lock()
    {
        var permission = WaitForPermission(RebootStrategy.Reboot, Windows(""), null);

        Assert.True(permission.IsCompleted);
        Assert.Null(await permission);
        Assert.Empty(_heard);
        Assert.False(_time.Waits.Reader.TryRead(out _));
    }

    [Fact]
    public async Task A_closed_window_waits_until_it_next_opens_and_says_when()
    {
        // 13:00 in Berlin; the window opens tomorrow at 04:00 CET, 03:00 UTC.
        var permission = WaitForPermission(RebootStrategy.Reboot, Windows("daily 04:00 1h"), null);

        Assert.Equal(TimeSpan.FromHours(15), await NextWaitAsync());
        Assert.Equal(
            ["waiting for the reboot window daily 04:00 for 1h (Europe/Berlin), next open at 2025-01-16 04:00 +01:00"],
            _heard);
        _clock.Advance(TimeSpan.FromHours(15) - TimeSpan.FromSeconds(1));
        Assert.False(permission.IsCompleted);

        _clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Null(await permission.WaitAsync(s_deadline));
        Assert.Equal(new DateTimeOffset(2025, 1, 16, 3, 0, 0, TimeSpan.Zero), _clock.GetUtcNow());
    }

    [Fact]
    public async Task An_open_window_gives_permission_at_once()
    {
        _clock.SetUtcNow(new DateTimeOffset(2025, 1, 16, 3, 30, 0, TimeSpan.Zero));

        var permission = WaitForPermission(RebootStrategy.Reboot, Windows("daily 04:00 1h"), null);

        Assert.True(permission.IsCompleted);
        Assert.Null(await permission);
        Assert.Empty(_heard);
    }

    [Fact]
    public async Task A_busy_lock_is_tried_again_after_5_then_10_seconds_and_its_description_returned()
    {
        var rebootLock = new ScriptedLock(
            _clock,
            _ => LockOutcome.Refused("the only slot is held: m2"),
            _ => LockOutcome.Refused("the only slot is held: m2"),
            _ => LockOutcome.Granted);
        var start = _clock.GetUtcNow();

        var permission = WaitForPermission(RebootStrategy.EtcdLock, Windows(""), rebootLock);

        Assert.Equal(TimeSpan.FromSeconds(5), await NextWaitAsync());
        Assert.Equal(
            "waiting for a slot of the reboot lock (in-memory lock 'test'): the only slot is held: m2; next try in 5 s",
            _heard.Last());
        _clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(TimeSpan.FromSeconds(10), await NextWaitAsync());
        Assert.EndsWith("; next try in 10 s", _heard.Last(), StringComparison.Ordinal);
        _clock.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal("in-memory lock 'test'", (await permission.WaitAsync(s_deadline))?.Description);
        Assert.Equal([start, start.AddSeconds(5), start.AddSeconds(15)], rebootLock.Attempts.Select(a => a.At));
        Assert.All(rebootLock.Attempts, attempt => Assert.Equal("m1", attempt.Holder));
    }

    [Fact]
    public async Task The_lock_backoff_doubles_up_to_five_minutes()
    {
        var answers = Enumerable.Repeat<Func<int, LockOutcome>>(_ => LockOutcome.Refused("full"), 9)
            .Append(_ => LockOutcome.Granted)
            .ToArray();
        var rebootLock = new ScriptedLock(_clock, answers);

        var permission = WaitForPermission(RebootStrategy.EtcdLock, Windows(""), rebootLock);
        var waits = new List<TimeSpan>();
        for (var i = 0; i < 9; i++)
        {
            var wait = await NextWaitAsync();
            waits.Add(wait);
            _clock.Advance(wait);
        }

        Assert.Equal("in-memory lock 'test'", (await permission.WaitAsync(s_deadline))?.Description);
        Assert.Equal([5.0, 10, 20, 40, 80, 160, 300, 300, 300], waits.Select(w => w.TotalSeconds));
        Assert.Equal(10, rebootLock.Attempts.Count);
    }

    [Fact]
    public async Task A_lock_that_cannot_be_taken_is_tried_again_and_its_error_reported()
    {
        var rebootLock = new ScriptedLock(
            _clock,
            _ => throw new RebootLockException("etcd at http://10.0.0.1:2379 is unreachable (connection refused)"),
            _ => LockOutcome.Granted);

        var permission = WaitForPermission(RebootStrategy.EtcdLock, Windows(""), rebootLock);

        Assert.Equal(TimeSpan.FromSeconds(5), await NextWaitAsync());
        Assert.Equal(
            "waiting for the reboot lock, which cannot be taken now: etcd at http://10.0.0.1:2379 is unreachable (connection refused); next try in 5 s",
            _heard.Last());
        _clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal("in-memory lock 'test'", (await permission.WaitAsync(s_deadline))?.Description);
        Assert.Equal(2, rebootLock.Attempts.Count);
    }

    [Fact]
    public async Task The_window_is_checked_again_before_each_lock_try()
    {
        // Two seconds before the window closes at 05:00 CET; the lock is busy and its next try would fall outside.
        _clock.SetUtcNow(new DateTimeOffset(2025, 1, 16, 3, 59, 58, TimeSpan.Zero));
        var rebootLock = new ScriptedLock(_clock, _ => LockOutcome.Refused("the only slot is held: m2"), _ => LockOutcome.Granted);

        var permission = WaitForPermission(RebootStrategy.FleetLock, Windows("daily 04:00 1h"), rebootLock);

        Assert.Equal(TimeSpan.FromSeconds(5), await NextWaitAsync());
        _clock.Advance(TimeSpan.FromSeconds(5));
        var untilOpen = await NextWaitAsync();
        Assert.Equal(new DateTimeOffset(2025, 1, 17, 3, 0, 0, TimeSpan.Zero) - _clock.GetUtcNow(), untilOpen);
        Assert.Equal(
            "waiting for the reboot window daily 04:00 for 1h (Europe/Berlin), next open at 2025-01-17 04:00 +01:00",
            _heard.Last());
        Assert.Single(rebootLock.Attempts);
        _clock.Advance(untilOpen);

        Assert.Equal("in-memory lock 'test'", (await permission.WaitAsync(s_deadline))?.Description);
        Assert.Equal(
            [new DateTimeOffset(2025, 1, 16, 3, 59, 58, TimeSpan.Zero), new DateTimeOffset(2025, 1, 17, 3, 0, 0, TimeSpan.Zero)],
            rebootLock.Attempts.Select(a => a.At));
    }

    [Fact]
    public async Task The_lock_is_not_tried_before_the_window_opens()
    {
        var rebootLock = new ScriptedLock(_clock, _ => LockOutcome.Granted);

        var permission = WaitForPermission(RebootStrategy.EtcdLock, Windows("daily 04:00 1h"), rebootLock);

        Assert.Equal(TimeSpan.FromHours(15), await NextWaitAsync());
        Assert.Empty(rebootLock.Attempts);
        _clock.Advance(TimeSpan.FromHours(15));
        Assert.Equal("in-memory lock 'test'", (await permission.WaitAsync(s_deadline))?.Description);
        Assert.Equal(new DateTimeOffset(2025, 1, 16, 3, 0, 0, TimeSpan.Zero), Assert.Single(rebootLock.Attempts).At);
    }

    [Fact]
    public async Task Cancelling_stops_the_wait_for_the_lock()
    {
        var rebootLock = new ScriptedLock(_clock, _ => LockOutcome.Refused("full"));

        var permission = WaitForPermission(RebootStrategy.EtcdLock, Windows(""), rebootLock);
        await NextWaitAsync();
        await _cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => permission.WaitAsync(s_deadline));
        Assert.Single(rebootLock.Attempts);
    }

    /// <summary>The fake clock, telling the test about every wait started on it once the wait's timer is set.</summary>
    private sealed class ObservedTime(FakeTimeProvider clock) : TimeProvider
    {
        public Channel<TimeSpan> Waits { get; } = Channel.CreateUnbounded<TimeSpan>();

        public override DateTimeOffset GetUtcNow() => clock.GetUtcNow();

        public override TimeZoneInfo LocalTimeZone => clock.LocalTimeZone;

        public override long TimestampFrequency => clock.TimestampFrequency;

        public override long GetTimestamp() => clock.GetTimestamp();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = clock.CreateTimer(callback, state, dueTime, period);
            Assert.True(Waits.Writer.TryWrite(dueTime));
            return timer;
        }
    }

    /// <summary>A reboot lock that answers each try as scripted (the last answer repeats) and records who tried when.</summary>
    private sealed class ScriptedLock(TimeProvider time, params Func<int, LockOutcome>[] answers) : IRebootLock
    {
        private readonly ConcurrentQueue<(string Holder, DateTimeOffset At)> _attempts = new();

        public string Description => "in-memory lock 'test'";

        public IReadOnlyList<(string Holder, DateTimeOffset At)> Attempts => [.. _attempts];

        public Task<LockOutcome> LockAsync(string holder, CancellationToken cancellationToken)
        {
            var attempt = _attempts.Count;
            _attempts.Enqueue((holder, time.GetUtcNow()));
            try
            {
                return Task.FromResult(answers[Math.Min(attempt, answers.Length - 1)](attempt));
            }
            catch (RebootLockException e)
            {
                return Task.FromException<LockOutcome>(e);
            }
        }

        public Task<UnlockOutcome> UnlockAsync(string holder, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("the coordinator never releases the lock");
    }
}
