using Keelson.Coordination.Locks;

namespace Keelson.Coordination.FleetLock;

/// <summary>
/// Where a FleetLock server keeps its semaphores, one per group: the update server's own database, or etcd in
/// Airlock's layout for a stateless server of which several replicas may run. Every change must be atomic against
/// concurrent callers (a transaction, or a compare-and-swap retried on conflict).
/// </summary>
public interface IFleetLockStore
{
    /// <summary>Takes a slot of <paramref name="group"/> for <paramref name="id"/>; recursive: a holder asking again is granted.</summary>
    /// <exception cref="RebootLockException">The store failed; the message says how.</exception>
    Task<LockOutcome> LockAsync(string group, string id, CancellationToken cancellationToken);

    /// <summary>Releases <paramref name="id"/>'s slot in <paramref name="group"/> if it holds one; true when it did.</summary>
    /// <exception cref="RebootLockException">The store failed; the message says how.</exception>
    Task<bool> UnlockAsync(string group, string id, CancellationToken cancellationToken);
}
