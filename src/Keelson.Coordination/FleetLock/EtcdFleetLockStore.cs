using System.Text.Json;
using Etcdserverpb;
using Google.Protobuf;
using Keelson.Coordination.Etcd;
using Keelson.Coordination.Locks;

namespace Keelson.Coordination.FleetLock;

/// <summary>
/// FleetLock semaphores in etcd v3, in Airlock's layout, so that any number of stateless servers (and Airlock
/// itself) can share them: per group the key <c>com.coreos.airlock/groups/GROUP/v1/semaphore</c> holds
/// <c>{"total_slots":N,"holders":["id",...]}</c> (holders sorted). A missing key is created with a compare-and-swap
/// on version 0; every change is a compare-and-swap on the version (and modification revision) that was read, and a
/// lost race is decided again on the value that won, read in the same etcd round trip.
/// </summary>
/// <remarks>
/// The configured <see cref="FleetLockSlots"/> are the truth: a change writes them as <c>total_slots</c>, so a new
/// count takes effect at once (Airlock keeps the count the key was created with). Holders beyond a lowered count keep
/// their slots; nobody new gets one until enough of them have released theirs.
/// </remarks>
public sealed class EtcdFleetLockStore : IFleetLockStore
{
    /// <summary>Where Airlock keeps its groups.</summary>
    public const string KeyPrefix = "com.coreos.airlock/groups/";

    private const int MaxAttempts = 100;

    private readonly EtcdConnection _etcd;
    private readonly TimeProvider _time;
    private readonly int _maxGroups;
    private readonly string _capDescription;

    /// <param name="etcd">The cluster; not disposed by this store.</param>
    /// <param name="slots">The slots of each group.</param>
    /// <param name="time">Clock of the short random pauses between attempts that lost a race.</param>
    /// <param name="maxGroups">
    /// Groups kept at most: a lock of a group without a semaphore yet is refused once this many exist (0: no cap).
    /// Replicas deciding at the same moment may each create one more.
    /// </param>
    /// <param name="capDescription">How a refusal names the cap on groups (its name and setting).</param>
    public EtcdFleetLockStore(EtcdConnection etcd, FleetLockSlots slots, TimeProvider? time = null, int maxGroups = 0, string? capDescription = null)
    {
        ArgumentNullException.ThrowIfNull(etcd);
        ArgumentNullException.ThrowIfNull(slots);
        ArgumentOutOfRangeException.ThrowIfNegative(maxGroups);
        _maxGroups = maxGroups;
        _capDescription = capDescription ?? $"at most {maxGroups} groups";
        _etcd = etcd;
        Slots = slots;
        _time = time ?? TimeProvider.System;
    }

    public FleetLockSlots Slots { get; }

    /// <summary>Where the store is, for logs: <c>etcd at http://10.0.0.1:2379</c>.</summary>
    public string Description => _etcd.Describe;

    /// <summary>The key of <paramref name="group"/>'s semaphore (a valid group needs no escaping; others are escaped as in a URL).</summary>
    public static string Key(string group)
    {
        ArgumentException.ThrowIfNullOrEmpty(group);
        return $"{KeyPrefix}{Uri.EscapeDataString(group)}/v1/semaphore";
    }

    public async Task<LockOutcome> LockAsync(string group, string id, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(group);
        ArgumentException.ThrowIfNullOrEmpty(id);
        var key = Key(group);
        if (_maxGroups > 0
            && (await _etcd.GetAsync(key, cancellationToken)).Kvs.Count == 0
            && await _etcd.CountPrefixAsync(KeyPrefix, cancellationToken) >= _maxGroups)
        {
            return LockOutcome.OverLimit($"group '{group}' is new and the server keeps no more groups: {_capDescription}");
        }

        var current = await ReadOrCreateAsync(key, group, cancellationToken);
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var holders = current.Semaphore.Holders ?? [];
            if (holders.Contains(id, StringComparer.Ordinal))
            {
                return LockOutcome.StillHeld;
            }

            var slots = Slots.For(group);
            if (holders.Count >= slots)
            {
                return LockOutcome.Refused(FleetLockSlots.DescribeFull(group, slots, holders));
            }

            var changed = new AirlockSemaphore(slots, [.. holders.Append(id).Order(StringComparer.Ordinal)]);
            var (succeeded, now) = await CompareAndSwapAsync(key, current, changed, cancellationToken);
            if (succeeded)
            {
                return LockOutcome.Granted;
            }

            // Another server changed the semaphore since it was read (or it was deleted): decide again on what is there now.
            current = now ?? await ReadOrCreateAsync(key, group, cancellationToken);
            await PauseAsync(attempt, cancellationToken);
        }

        throw Contended(group);
    }

    public async Task<bool> UnlockAsync(string group, string id, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(group);
        ArgumentException.ThrowIfNullOrEmpty(id);
        var key = Key(group);
        var current = Parse(key, (await _etcd.GetAsync(key, cancellationToken)).Kvs);
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var holders = current?.Semaphore.Holders ?? [];
            if (current is null || !holders.Contains(id, StringComparer.Ordinal))
            {
                return false;
            }

            var changed = new AirlockSemaphore(Slots.For(group), [.. holders.Where(h => !string.Equals(h, id, StringComparison.Ordinal))]);
            var (succeeded, now) = await CompareAndSwapAsync(key, current, changed, cancellationToken);
            if (succeeded)
            {
                return true;
            }

            current = now;
            await PauseAsync(attempt, cancellationToken);
        }

        throw Contended(group);
    }

    /// <summary>Reads one key, to check at start-up and on /health that etcd answers.</summary>
    /// <exception cref="RebootLockException">etcd cannot be reached or refused the call.</exception>
    public async Task CheckHealthAsync(CancellationToken cancellationToken) =>
        await _etcd.GetAsync(Key(FleetLockProtocol.DefaultGroup), cancellationToken);

    /// <summary>The semaphore, created with the configured slots and no holders when the key does not exist.</summary>
    private async Task<Stored> ReadOrCreateAsync(string key, string group, CancellationToken cancellationToken)
    {
        var initial = new AirlockSemaphore(Slots.For(group), []);
        var txn = new TxnRequest();
        // Version 0: the key does not exist. Either way the answer carries the value, in one round trip.
        txn.Compare.Add(new Compare { Key = Bytes(key), Target = Compare.Types.CompareTarget.Version, Result = Compare.Types.CompareResult.Equal, Version = 0 });
        txn.Success.Add(Put(key, initial));
        txn.Failure.Add(new RequestOp { RequestRange = new RangeRequest { Key = Bytes(key) } });
        var response = await _etcd.TransactionAsync(txn, cancellationToken);
        if (response.Succeeded)
        {
            return new Stored(initial, Version: 1, ModRevision: response.Header.Revision);
        }

        return Parse(key, response.Responses[0].ResponseRange.Kvs)
            ?? throw new RebootLockException($"the semaphore {key} in {_etcd.Describe} vanished while it was created; try again");
    }

    /// <summary>Writes <paramref name="changed"/> if the key is still as read; otherwise returns what it is now (null when deleted).</summary>
    private async Task<(bool Succeeded, Stored? Now)> CompareAndSwapAsync(string key, Stored read, AirlockSemaphore changed, CancellationToken cancellationToken)
    {
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare { Key = Bytes(key), Target = Compare.Types.CompareTarget.Version, Result = Compare.Types.CompareResult.Equal, Version = read.Version });
        // The version alone would match a key deleted and created again since; the revision does not.
        txn.Compare.Add(new Compare { Key = Bytes(key), Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = read.ModRevision });
        txn.Success.Add(Put(key, changed));
        txn.Failure.Add(new RequestOp { RequestRange = new RangeRequest { Key = Bytes(key) } });
        var response = await _etcd.TransactionAsync(txn, cancellationToken);
        return response.Succeeded ? (true, null) : (false, Parse(key, response.Responses[0].ResponseRange.Kvs));
    }

    private Stored? Parse(string key, IReadOnlyList<Mvccpb.KeyValue> kvs)
    {
        if (kvs is not [var kv])
        {
            return null;
        }

        AirlockSemaphore? semaphore;
        try
        {
            semaphore = JsonSerializer.Deserialize(kv.Value.Span, FleetLockJson.Wire.AirlockSemaphore);
        }
        catch (JsonException e)
        {
            throw new RebootLockException($"the semaphore {key} in {_etcd.Describe} is not Airlock's JSON ({{\"total_slots\":N,\"holders\":[...]}}): {e.Message}", e);
        }

        return semaphore is null
            ? throw new RebootLockException($"the semaphore {key} in {_etcd.Describe} is empty (JSON null)")
            : new Stored(semaphore, kv.Version, kv.ModRevision);
    }

    private Task PauseAsync(int attempt, CancellationToken cancellationToken) =>
        // A few random milliseconds, growing with the attempts, so that racing servers fall out of step.
        Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(0, Math.Min(attempt, 10) * 5)), _time, cancellationToken);

    private RebootLockException Contended(string group) =>
        new($"the semaphore of group '{group}' in {_etcd.Describe} changed under each of {MaxAttempts} attempts to change it; try again");

    private static RequestOp Put(string key, AirlockSemaphore semaphore) => new()
    {
        RequestPut = new PutRequest
        {
            Key = Bytes(key),
            Value = ByteString.CopyFrom(JsonSerializer.SerializeToUtf8Bytes(semaphore, FleetLockJson.Wire.AirlockSemaphore)),
        },
    };

    private static ByteString Bytes(string text) => ByteString.CopyFromUtf8(text);

    private sealed record Stored(AirlockSemaphore Semaphore, long Version, long ModRevision);
}
