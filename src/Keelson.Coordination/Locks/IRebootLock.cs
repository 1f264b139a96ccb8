namespace Keelson.Coordination.Locks;

/// <summary>
/// The lock a machine must hold to reboot: a slot of a counting semaphore shared by a group of machines, so that
/// the group never loses more members at once than it has slots. Implemented on etcd (locksmith's semaphore) and
/// over HTTP (FleetLock).
/// </summary>
public interface IRebootLock
{
    /// <summary>What the lock is and where it lives, for logs and status, e.g. <c>etcd semaphore group 'default' at http://10.0.0.1:2379</c>.</summary>
    string Description { get; }

    /// <summary>
    /// Takes a slot for <paramref name="holder"/>; holding one already counts as acquired (the lock is recursive).
    /// A full semaphore is an outcome, not an exception.
    /// </summary>
    /// <exception cref="RebootLockException">The lock service cannot be reached or answered something unusable.</exception>
    Task<LockOutcome> LockAsync(string holder, CancellationToken cancellationToken);

    /// <summary>
    /// Releases the slot <paramref name="holder"/> holds, if any: <see cref="UnlockOutcome.Released"/> or
    /// <see cref="UnlockOutcome.NotHeld"/>, or <see cref="UnlockOutcome.Unconfirmed"/> when the service does not say which.
    /// </summary>
    /// <exception cref="RebootLockException">The lock service cannot be reached or answered something unusable.</exception>
    Task<UnlockOutcome> UnlockAsync(string holder, CancellationToken cancellationToken);
}
