using Keelson.Coordination.FleetLock;
using Keelson.Coordination.Locks;

namespace Keelson.Coordination.Tests.FleetLock;

/// <summary>A store in memory, with a fixed number of slots per group, that counts the calls it gets.</summary>
internal sealed class MemoryFleetLockStore(int slots) : IFleetLockStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, List<string>> _holders = new(StringComparer.Ordinal);

    public int Calls { get; private set; }

    /// <summary>When set, every call fails with this.</summary>
    public RebootLockException? Failure { get; set; }

    public IReadOnlyList<string> Holders(string group)
    {
        lock (_lock)
        {
            return _holders.TryGetValue(group, out var holders) ? [.. holders] : [];
        }
    }

    public Task<LockOutcome> LockAsync(string group, string id, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            Calls++;
            if (Failure is { } failure)
            {
                throw failure;
            }

            var holders = _holders.TryGetValue(group, out var list) ? list : _holders[group] = [];
            if (holders.Contains(id))
            {
                return Task.FromResult(LockOutcome.StillHeld);
            }

            if (holders.Count >= slots)
            {
                return Task.FromResult(LockOutcome.Refused(FleetLockSlots.DescribeFull(group, slots, holders)));
            }

            holders.Add(id);
            return Task.FromResult(LockOutcome.Granted);
        }
    }

    public Task<bool> UnlockAsync(string group, string id, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            Calls++;
            if (Failure is { } failure)
            {
                throw failure;
            }

            return Task.FromResult(_holders.TryGetValue(group, out var holders) && holders.Remove(id));
        }
    }
}
