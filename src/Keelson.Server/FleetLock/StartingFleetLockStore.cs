using Keelson.Coordination.FleetLock;
using Keelson.Coordination.Locks;

namespace Keelson.Server.FleetLock;

/// <summary>
/// The stateless server's store while it waits for etcd to answer for the first time: every request is refused at
/// once (503 <c>lock_store_failed</c>, saying why) rather than left hanging on an etcd that is not there yet; once
/// etcd has answered, requests go to the store.
/// </summary>
internal sealed class StartingFleetLockStore(IFleetLockStore store, string etcd) : IFleetLockStore
{
    private volatile string? _waitingBecause = "it has not been asked yet";

    public bool IsReady => _waitingBecause is null;

    public void Waiting(string because) => _waitingBecause = because;

    public void Ready() => _waitingBecause = null;

    public Task<LockOutcome> LockAsync(string group, string id, CancellationToken cancellationToken) =>
        _waitingBecause is { } because ? Task.FromException<LockOutcome>(NotYet(because)) : store.LockAsync(group, id, cancellationToken);

    public Task<bool> UnlockAsync(string group, string id, CancellationToken cancellationToken) =>
        _waitingBecause is { } because ? Task.FromException<bool>(NotYet(because)) : store.UnlockAsync(group, id, cancellationToken);

    private RebootLockException NotYet(string because) =>
        new($"the FleetLock server is starting and waits for {etcd} to answer ({because}); ask again later", isTransient: true);
}
