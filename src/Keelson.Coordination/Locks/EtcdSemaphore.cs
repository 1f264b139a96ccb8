using System.Globalization;
using System.Text;
using Etcdserverpb;
using Google.Protobuf;
using Keelson.Coordination.Etcd;

namespace Keelson.Coordination.Locks;

/// <summary>
/// locksmith's reboot semaphore in etcd v3, shared with locksmithd and locksmithctl: one key per group
/// (<see cref="KeyFor"/>) holding <see cref="SemaphoreState"/>'s JSON. The key is created with one slot when it is
/// absent (a transaction on version 0, so concurrent creators agree). Every change reads the key and its
/// mod_revision, computes the new value and writes it in a transaction that succeeds only if the key has not moved
/// since; the loser of a race reads again and decides again, so the semaphore never has more holders than slots.
/// </summary>
public sealed class EtcdSemaphore : IRebootLock
{
    /// <summary>The default group's key, locksmith's <c>coreos.com/updateengine/rebootlock/semaphore</c>.</summary>
    public const string DefaultKey = KeyPrefix + "/semaphore";

    /// <summary>How many times a change is decided again after losing a race, before it gives up.</summary>
    public const int MaxAttempts = 64;

    private const string KeyPrefix = "coreos.com/updateengine/rebootlock";

    private readonly EtcdConnection _connection;
    private readonly ByteString _key;

    /// <param name="connection">The cluster; not disposed with the semaphore.</param>
    /// <param name="group">locksmith's group; empty for the default semaphore.</param>
    public EtcdSemaphore(EtcdConnection connection, string group)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(group);
        _connection = connection;
        Group = group;
        Key = KeyFor(group);
        _key = ByteString.CopyFromUtf8(Key);
        Description = $"etcd semaphore group '{(group.Length == 0 ? "default" : group)}' at "
            + string.Join(',', connection.Endpoints.Select(e => e.GetLeftPart(UriPartial.Authority)));
    }

    /// <summary>The group; empty for the default semaphore.</summary>
    public string Group { get; }

    /// <summary>The etcd key of the group's semaphore.</summary>
    public string Key { get; }

    public string Description { get; }

    /// <summary>
    /// The key of <paramref name="group"/>'s semaphore as locksmith names it:
    /// <c>coreos.com/updateengine/rebootlock/groups/GROUP/semaphore</c> with the group escaped as Go's
    /// <c>url.QueryEscape</c> does (space as <c>+</c>, every byte but letters, digits and <c>-_.~</c> as <c>%XX</c>).
    /// </summary>
    public static string KeyFor(string group)
    {
        ArgumentNullException.ThrowIfNull(group);
        return group.Length == 0 ? DefaultKey : $"{KeyPrefix}/groups/{QueryEscape(group)}/semaphore";
    }

    /// <summary>The semaphore as it is now (created with one slot if absent, as locksmith does).</summary>
    /// <exception cref="RebootLockException">etcd failed, or the key holds something else than the semaphore.</exception>
    public async Task<SemaphoreState> GetAsync(CancellationToken cancellationToken) => (await ReadAsync(cancellationToken)).State;

    /// <summary>Takes a slot for <paramref name="holder"/>, recursively: a holder that has one already is granted.</summary>
    public async Task<LockOutcome> LockAsync(string holder, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(holder);
        var change = await ChangeAsync(state => state.IsHeldBy(holder) ? new SemaphoreChange(SemaphoreOutcome.AlreadyHeld, state) : state.Lock(holder), cancellationToken);
        return change.Outcome switch
        {
            SemaphoreOutcome.Done or SemaphoreOutcome.AlreadyHeld => LockOutcome.Took(DescribeHeld(change.State), change.Outcome == SemaphoreOutcome.AlreadyHeld),
            _ => LockOutcome.Refused(DescribeFull(change.State)),
        };
    }

    public async Task<UnlockOutcome> UnlockAsync(string holder, CancellationToken cancellationToken) =>
        (await TryUnlockAsync(holder, cancellationToken)).IsDone ? UnlockOutcome.Released : UnlockOutcome.NotHeld;

    /// <summary>
    /// locksmith's lock, for <c>lock ID</c>: the precise outcome, including <see cref="SemaphoreOutcome.AlreadyHeld"/>
    /// (which <see cref="LockAsync"/> counts as acquired).
    /// </summary>
    public Task<SemaphoreChange> TryLockAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        return ChangeAsync(state => state.Lock(id), cancellationToken);
    }

    /// <summary>locksmith's unlock, for <c>unlock ID</c>: done, or <see cref="SemaphoreOutcome.NotHeld"/>.</summary>
    public Task<SemaphoreChange> TryUnlockAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        return ChangeAsync(state => state.Unlock(id), cancellationToken);
    }

    /// <summary>Sets the number of slots; holders keep theirs (see <see cref="SemaphoreState.SetMax"/>).</summary>
    /// <returns>The maximum before and after.</returns>
    public async Task<(int OldMax, int NewMax)> SetMaxAsync(int max, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        var oldMax = 0;
        var change = await ChangeAsync(
            state =>
            {
                oldMax = state.Max;
                return new SemaphoreChange(SemaphoreOutcome.Done, state.SetMax(max));
            },
            cancellationToken);
        return (oldMax, change.State.Max);
    }

    /// <summary>Words for the slots taken: <c>1 of 2 slots held: m1</c>, <c>0 of 2 slots held</c>.</summary>
    public static string DescribeHeld(SemaphoreState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var text = $"{state.Holders.Count} of {state.Max} slot{(state.Max == 1 ? "" : "s")} held";
        return state.Holders.Count == 0 ? text : $"{text}: {string.Join(", ", state.Holders)}";
    }

    /// <summary>Words for a full semaphore that name who holds it: <c>all 2 slots are held: m1, m2</c>.</summary>
    public static string DescribeFull(SemaphoreState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var holders = string.Join(", ", state.Holders);
        return (state.Max, state.Holders.Count) switch
        {
            (0, 0) => "the semaphore has no slots (max 0)",
            (_, 0) => $"semaphore is at {state.Available} with no holders",
            (1, 1) => $"the only slot is held: {holders}",
            (var max, var count) when count > max => $"all {max} slots are taken, by {count} holders (the maximum was lowered): {holders}",
            (var max, _) => $"all {max} slots are held: {holders}",
        };
    }

    private async Task<SemaphoreChange> ChangeAsync(Func<SemaphoreState, SemaphoreChange> decide, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var (state, modRevision) = await ReadAsync(cancellationToken);
            var change = decide(state);
            if (!change.IsDone || change.State.Equals(state))
            {
                return change;
            }

            var txn = new TxnRequest();
            txn.Compare.Add(new Compare
            {
                Key = _key,
                Target = Compare.Types.CompareTarget.Mod,
                Result = Compare.Types.CompareResult.Equal,
                ModRevision = modRevision,
            });
            txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = _key, Value = ByteString.CopyFrom(change.State.ToUtf8Json()) } });
            var response = await _connection.TransactionAsync(txn, cancellationToken);
            if (response.Succeeded)
            {
                return change;
            }

            // Someone else changed the semaphore since it was read: decide again on what is there now.
        }

        throw new RebootLockException($"the semaphore at {Key} ({_connection.Describe}) changed under each of {MaxAttempts} attempts to change it");
    }

    private async Task<(SemaphoreState State, long ModRevision)> ReadAsync(CancellationToken cancellationToken)
    {
        var read = await _connection.GetAsync(Key, cancellationToken);
        if (read.Kvs is [var existing])
        {
            return (Parse(existing.Value), existing.ModRevision);
        }

        // Absent: create it unless someone else just did, and read what is there either way, in one transaction.
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare
        {
            Key = _key,
            Target = Compare.Types.CompareTarget.Version,
            Result = Compare.Types.CompareResult.Equal,
            Version = 0,
        });
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = _key, Value = ByteString.CopyFrom(SemaphoreState.Initial.ToUtf8Json()) } });
        txn.Success.Add(new RequestOp { RequestRange = new RangeRequest { Key = _key } });
        txn.Failure.Add(new RequestOp { RequestRange = new RangeRequest { Key = _key } });
        var response = await _connection.TransactionAsync(txn, cancellationToken);
        var range = response.Responses[^1].ResponseRange;
        return range.Kvs is [var created]
            ? (Parse(created.Value), created.ModRevision)
            : throw new RebootLockException($"the semaphore at {Key} ({_connection.Describe}) vanished as it was created");
    }

    private SemaphoreState Parse(ByteString value)
    {
        try
        {
            return SemaphoreState.Parse(value.Span);
        }
        catch (FormatException e)
        {
            var text = value.ToStringUtf8();
            throw new RebootLockException(
                $"etcd key {Key} ({_connection.Describe}) does not hold locksmith's semaphore: {e.Message}; it holds: {(text.Length <= 200 ? text : text[..200] + "...")}",
                e);
        }
    }

    /// <summary>Go's <c>url.QueryEscape</c>.</summary>
    private static string QueryEscape(string text)
    {
        var escaped = new StringBuilder(text.Length);
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            if (char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~')
            {
                escaped.Append((char)b);
            }
            else if (b == (byte)' ')
            {
                escaped.Append('+');
            }
            else
            {
                escaped.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return escaped.ToString();
    }
}
