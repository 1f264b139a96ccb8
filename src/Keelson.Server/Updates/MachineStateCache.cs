using System.Collections.Concurrent;
using Keelson.Server.Storage;

namespace Keelson.Server.Updates;

/// <summary>
/// The update status of machines this server saw lately, so that a routine check (a machine up to date, whose
/// request cannot change its status) is answered without reading its row. Only the fields that decide whether a
/// request is routine are kept: the status, the version last granted and the last error code.
/// </summary>
/// <remarks>
/// Every status change this process commits replaces its machine's entry after the commit, and a read never
/// replaces a newer write (entries carry the write clock). A request that can change a status never trusts the
/// cache: it re-reads the row inside its transaction. Other processes can change rows too (several replicas on one
/// PostgreSQL), so there entries expire after a second, the bound the group cache keeps; a SQLite store is used by
/// one server process only, whose own writes keep the cache exact, so its entries live for
/// <see cref="SingleProcessLifetime"/>. The pruner removes the machines it deletes.
/// </remarks>
public sealed class MachineStateCache
{
    public static readonly TimeSpan SharedStoreLifetime = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan SingleProcessLifetime = TimeSpan.FromMinutes(10);

    /// <summary>Machines kept; past it the cache starts over (one read per machine refills it).</summary>
    public const int DefaultCapacity = 250_000;

    private readonly ConcurrentDictionary<(string AppId, string MachineId), Entry> _entries = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _lifetime;
    private readonly int _capacity;
    private long _clock;
    private long _clearedAt;
    private long _additions;

    public MachineStateCache(Database database, TimeProvider time)
        : this(time, database?.Dialect == SqlDialect.Sqlite ? SingleProcessLifetime : SharedStoreLifetime, DefaultCapacity)
    {
        OwnsStore = database?.Dialect == SqlDialect.Sqlite;
    }

    /// <summary>
    /// Whether this process alone writes the store (SQLite), so that its own writes keep the cache exact; on a
    /// store replicas share, an entry may be up to <see cref="SharedStoreLifetime"/> behind another replica's change.
    /// </summary>
    public bool OwnsStore { get; }

    public MachineStateCache(TimeProvider time, TimeSpan lifetime, int capacity)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _time = time;
        _lifetime = lifetime;
        _capacity = capacity;
    }

    public int Count => _entries.Count;

    /// <summary>The cached state, or null when the machine must be read from the database.</summary>
    public MachineState? Find(string appId, string machineId) =>
        _entries.TryGetValue((appId, machineId), out var entry) && _time.GetUtcNow() < entry.Expires ? entry.State : null;

    /// <summary>Taken before reading a row from the database, and handed to <see cref="Remember"/> with what was read.</summary>
    public long StartRead() => Volatile.Read(ref _clock);

    /// <summary>
    /// Keeps what a read found (<see cref="MachineState.Unknown"/> for a machine without a row), unless a status
    /// change of this machine, or a clearing, was recorded since <paramref name="readStarted"/>.
    /// </summary>
    public void Remember(string appId, string machineId, MachineState state, long readStarted)
    {
        if (readStarted < Volatile.Read(ref _clearedAt))
        {
            return;
        }

        MakeRoom();
        var entry = new Entry(state, readStarted, _time.GetUtcNow() + _lifetime);
        _entries.AddOrUpdate((appId, machineId), entry, (_, old) => old.Clock > readStarted ? old : entry);
    }

    /// <summary>Records a committed change of the machine's row; called after the commit, before the answer.</summary>
    public void Written(InstanceRow instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var clock = Interlocked.Increment(ref _clock);
        MakeRoom();
        _entries[(instance.AppId, instance.MachineId)] = new Entry(MachineState.Of(instance), clock, _time.GetUtcNow() + _lifetime);
    }

    /// <summary>Forgets a machine whose row may have changed in a way this cache did not see (a failed write).</summary>
    public void Forget(string appId, string machineId)
    {
        // A mark rather than a removal, so that a read that started before cannot bring the old state back.
        var clock = Interlocked.Increment(ref _clock);
        _entries[(appId, machineId)] = new Entry(null, clock, _time.GetUtcNow() + _lifetime);
    }

    /// <summary>
    /// Forgets machines that were deleted (pruned). The entries of every other machine stay, so that a prune of a
    /// large part of the fleet does not send every routine check back to the database; reads that started before
    /// are not kept (they may have found a deleted row).
    /// </summary>
    public void Remove(string appId, IEnumerable<string> machineIds)
    {
        ArgumentNullException.ThrowIfNull(machineIds);
        Volatile.Write(ref _clearedAt, Interlocked.Increment(ref _clock));
        foreach (var machineId in machineIds)
        {
            _entries.TryRemove((appId, machineId), out _);
        }
    }

    /// <summary>Forgets every machine.</summary>
    public void Clear()
    {
        Volatile.Write(ref _clearedAt, Interlocked.Increment(ref _clock));
        _entries.Clear();
    }

    private void MakeRoom()
    {
        // Counting a ConcurrentDictionary takes all its locks: count only every so often (the bound may be passed by that much).
        if ((Interlocked.Increment(ref _additions) & 1023) == 0 && _entries.Count >= _capacity)
        {
            Clear();
        }
    }

    private sealed record Entry(MachineState? State, long Clock, DateTimeOffset Expires);
}
