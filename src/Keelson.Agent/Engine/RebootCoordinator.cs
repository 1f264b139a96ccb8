using Keelson.Agent.Configuration;
using Keelson.Coordination;
using Keelson.Coordination.Locks;

namespace Keelson.Agent.Engine;

/// <summary>
/// Decides when an installed update may reboot the machine: never with <c>off</c>; inside the reboot window (if
/// any) for every other strategy; and, for the locking strategies, only once a slot of the group's reboot lock is
/// held - taken with locksmith's backoff (5 s doubling to 5 min), re-checking the window before every try.
/// </summary>
/// <param name="firstBackoff">The first wait after a refused lock (locksmith's 5 s; shorter for simulations).</param>
/// <param name="maxBackoff">The longest wait between lock attempts (locksmith's 5 min).</param>
public sealed class RebootCoordinator(
    RebootStrategy strategy, RebootWindows windows, IRebootLock? rebootLock, TimeProvider time, TimeSpan? firstBackoff = null, TimeSpan? maxBackoff = null)
{
    public static readonly TimeSpan DefaultFirstBackoff = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan DefaultMaxBackoff = TimeSpan.FromMinutes(5);

    private readonly TimeSpan _firstBackoff = firstBackoff ?? DefaultFirstBackoff;
    private readonly TimeSpan _maxBackoff = maxBackoff ?? DefaultMaxBackoff;

    /// <summary>
    /// Returns when the machine may reboot now, with the lock taken if the strategy needs one.
    /// <paramref name="waitingFor"/> hears what it is waiting for before each wait, for <c>keelson agent status</c>
    /// and the log.
    /// </summary>
    /// <returns>The lock held, or null when none was needed.</returns>
    public async Task<HeldRebootLock?> WaitForPermissionAsync(string holder, Action<RebootWait> waitingFor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(waitingFor);
        if (strategy == RebootStrategy.Off)
        {
            waitingFor(new RebootWait("REBOOT_STRATEGY=off: the update waits on the passive slot until the machine is rebooted by hand"));
            await Task.Delay(Timeout.InfiniteTimeSpan, time, cancellationToken);
        }

        var backoff = _firstBackoff;
        while (true)
        {
            await WaitForWindowAsync(waitingFor, cancellationToken);
            if (rebootLock is null)
            {
                return null;
            }

            string why;
            try
            {
                var outcome = await rebootLock.LockAsync(holder, cancellationToken);
                if (outcome.Acquired)
                {
                    return new HeldRebootLock(rebootLock.Description, outcome.Detail, outcome.AlreadyHeld);
                }

                why = $"waiting for a slot of the reboot lock ({rebootLock.Description}): {outcome.Detail}";
            }
            catch (RebootLockException e)
            {
                why = $"waiting for the reboot lock, which cannot be taken now: {e.Message}";
            }

            waitingFor(new RebootWait(why, backoff));
            await Task.Delay(backoff, time, cancellationToken);
            backoff = backoff * 2 > _maxBackoff ? _maxBackoff : backoff * 2;
        }
    }

    private async Task WaitForWindowAsync(Action<RebootWait> waitingFor, CancellationToken cancellationToken)
    {
        while (!windows.IsOpen(time.GetUtcNow()))
        {
            var opens = windows.NextOpening(time.GetUtcNow());
            waitingFor(new RebootWait($"waiting for the reboot window {windows.Describe()}, next open at {opens:yyyy-MM-dd HH:mm zzz}"));
            var wait = opens - time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, time, cancellationToken);
            }
        }
    }
}
