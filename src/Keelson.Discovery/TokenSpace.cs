using System.Text;
using Keelson.Discovery.Protocol;
using Keelson.Discovery.Storage;
using Microsoft.Extensions.Logging;

namespace Keelson.Discovery;

/// <summary>
/// The etcd v2 keys-API semantics of the discovery service, over a store: tokens, their members, reads, writes and
/// watches. Every answer carries the token's current index. Bad input is refused before the store is touched.
/// </summary>
internal sealed partial class TokenSpace(
    IDiscoveryStore store, ChangeSignals signals, DiscoveryOptions options, TimeProvider time, ILogger<TokenSpace> logger)
{
    /// <summary>The size of a token when /new is not given one (discovery.etcd.io's default).</summary>
    public const int DefaultSize = 3;

    /// <summary>The largest cluster a token can be made for: etcd clusters are 1 to 7 members in practice.</summary>
    public const int MaxSize = 99;

    /// <summary>The largest value a member may store (an etcd member's is "name=peer-url[,peer-url...]").</summary>
    public const int MaxValueBytes = 4096;

    private int _heldWatches;

    /// <summary>How many watches are waiting for a change right now.</summary>
    public int HeldWatches => Volatile.Read(ref _heldWatches);

    /// <summary>Creates a token for a cluster of <paramref name="size"/> members.</summary>
    public async Task<string> CreateTokenAsync(int size, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, MaxSize);
        var token = KeyNames.NewToken();
        await store.CreateTokenAsync(token, size, time.GetUtcNow(), cancellationToken);
        LogTokenCreated(token, size);
        return token;
    }

    /// <summary>GET of the token (a directory), of <c>_config</c>, <c>_config/size</c> or a member key.</summary>
    public async Task<KeysResult> GetAsync(string token, string key, bool sorted, CancellationToken cancellationToken)
    {
        if (Validate(token, key, write: false) is { } invalid)
        {
            return invalid;
        }

        var snapshot = await store.ReadTokenAsync(token, cancellationToken);
        if (snapshot is null)
        {
            return NotFound(token, key, 0);
        }

        var index = snapshot.Info.Index;
        V2Node? node = key switch
        {
            "" => Directory(token, "", snapshot.Nodes.Where(n => !KeyNames.IsHidden(n.Key)), sorted),
            KeyNames.ConfigDirectory => Directory(token, KeyNames.ConfigDirectory, snapshot.Nodes.Where(n => n.Key.StartsWith(KeyNames.ConfigDirectory + "/", StringComparison.Ordinal)), sorted),
            _ => snapshot.Find(key) is { } found ? Leaf(token, found) : null,
        };
        return node is null ? NotFound(token, key, index) : KeysResult.Ok(new V2Response("get", node, null), index);
    }

    /// <summary>
    /// PUT of a member key. <paramref name="prevExist"/> false creates only (412/105 when the key exists), true
    /// updates only (404/100 when it does not), null sets either way.
    /// </summary>
    public async Task<KeysResult> PutAsync(string token, string key, string? value, bool? prevExist, CancellationToken cancellationToken)
    {
        if (Validate(token, key, write: true) is { } invalid)
        {
            return invalid;
        }

        if (string.IsNullOrEmpty(value))
        {
            return KeysResult.Fail(V2ErrorCodes.ValueRequired, "value: a member's value such as name=http://10.0.0.1:2380 is required", 0);
        }

        var bytes = Encoding.UTF8.GetByteCount(value);
        if (bytes > MaxValueBytes)
        {
            return KeysResult.Fail(V2ErrorCodes.InvalidField, $"value: {bytes} bytes is more than the {MaxValueBytes} a member may store", 0);
        }

        if (value.Any(char.IsControl))
        {
            return KeysResult.Fail(V2ErrorCodes.InvalidField, "value: control characters are not allowed", 0);
        }

        var outcome = await store.ChangeAsync(
            token,
            snapshot =>
            {
                var existing = snapshot.Find(key);
                if (existing is not null && prevExist == false)
                {
                    return ChangeDecision.Refuse(V2ErrorCodes.NodeExist, KeyNames.Absolute(token, key));
                }

                if (existing is null && prevExist == true)
                {
                    return ChangeDecision.Refuse(V2ErrorCodes.KeyNotFound, KeyNames.Absolute(token, key));
                }

                var limit = snapshot.Info.Size + options.ExtraMembers;
                if (existing is null && snapshot.MemberCount >= limit)
                {
                    return ChangeDecision.Refuse(
                        V2ErrorCodes.NoMoreMembers,
                        $"{KeyNames.Absolute(token, key)}: the token is for {snapshot.Info.Size} members and already holds {snapshot.MemberCount} registrations, the most it takes");
                }

                var action = prevExist switch { false => "create", true => "update", null => "set" };
                return ChangeDecision.Make(new NodeChange(action, key, value));
            },
            cancellationToken);
        var result = Answer(token, key, outcome);
        if (outcome.Applied is { PrevNode: null })
        {
            LogMemberRegistered(token, key, outcome.Applied.Index);
        }

        return result;
    }

    /// <summary>DELETE of a member key: a member that gives up its place.</summary>
    public async Task<KeysResult> DeleteAsync(string token, string key, CancellationToken cancellationToken)
    {
        if (Validate(token, key, write: true) is { } invalid)
        {
            return invalid;
        }

        var outcome = await store.ChangeAsync(
            token,
            snapshot => snapshot.Find(key) is null
                ? ChangeDecision.Refuse(V2ErrorCodes.KeyNotFound, KeyNames.Absolute(token, key))
                : ChangeDecision.Make(new NodeChange("delete", key, null)),
            cancellationToken);
        return Answer(token, key, outcome);
    }

    /// <summary>
    /// A watch: the first event at or after <paramref name="waitIndex"/> (0: after the current index) on
    /// <paramref name="key"/> (or under it when <paramref name="recursive"/>, hidden keys left out), answered from
    /// history when it is there, else held until it happens. When <paramref name="held"/> ends first (the long
    /// poll's timeout, the service stopping) the answer is an empty 200 and the member asks again.
    /// </summary>
    public async Task<KeysResult> WatchAsync(string token, string key, bool recursive, long waitIndex, CancellationToken held, CancellationToken cancellationToken)
    {
        if (Validate(token, key, write: false) is { } invalid)
        {
            return invalid;
        }

        var next = waitIndex;
        var first = true;
        while (true)
        {
            var changed = signals.Next(token);
            var page = await store.ReadEventsAsync(token, Math.Max(next, 1), cancellationToken);
            if (page is null)
            {
                return NotFound(token, key, 0);
            }

            var index = page.Info.Index;
            if (first)
            {
                first = false;
                if (next == 0)
                {
                    next = index + 1;
                }

                var start = AppliedChange.HistoryStart(index);
                if (next < start)
                {
                    return KeysResult.Fail(V2ErrorCodes.EventIndexCleared, $"the requested history has been cleared [{start}/{next}]", index);
                }
            }

            if (page.Events.FirstOrDefault(e => e.Index >= next && KeyNames.Matches(key, recursive, e.Key)) is { } match)
            {
                return KeysResult.Ok(EventResponse(token, match), index);
            }

            next = Math.Max(next, index + 1);
            if (!await WaitForChangeAsync(token, index, changed, held))
            {
                return KeysResult.Empty(index);
            }
        }
    }

    /// <summary>Whether the token moved past <paramref name="index"/> before <paramref name="held"/> ended.</summary>
    private async Task<bool> WaitForChangeAsync(string token, long index, Task changed, CancellationToken held)
    {
        Interlocked.Increment(ref _heldWatches);
        try
        {
            return await WaitForChangeCoreAsync(token, index, changed, held);
        }
        finally
        {
            Interlocked.Decrement(ref _heldWatches);
        }
    }

    private async Task<bool> WaitForChangeCoreAsync(string token, long index, Task changed, CancellationToken held)
    {
        if (!store.IsShared)
        {
            await changed.WaitAsync(held).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return changed.IsCompleted;
        }

        // Other replicas change the token too: besides this process's signal, look at the store now and then.
        try
        {
            while (true)
            {
                await Task.WhenAny(changed, Task.Delay(options.StorePollInterval, time, held));
                if (changed.IsCompleted)
                {
                    return true;
                }

                held.ThrowIfCancellationRequested();
                if (await store.ReadIndexAsync(token, held) != index)
                {
                    return true;
                }
            }
        }
        catch (OperationCanceledException) when (held.IsCancellationRequested)
        {
            return false;
        }
    }

    private KeysResult Answer(string token, string key, ChangeOutcome outcome)
    {
        if (outcome.Token is not { } info)
        {
            return NotFound(token, key, 0);
        }

        if (outcome.Rejected is { } rejected)
        {
            return KeysResult.Fail(rejected.Code, rejected.Cause, info.Index);
        }

        signals.Raise(token);
        var applied = outcome.Applied!;
        return KeysResult.Ok(EventResponse(token, applied), info.Index, status: applied.PrevNode is null && applied.Value is not null ? 201 : 200);
    }

    /// <summary>Refuses a malformed token or key, and writes to the token itself or to hidden keys.</summary>
    private static KeysResult? Validate(string token, string key, bool write)
    {
        if (!KeyNames.IsToken(token))
        {
            return KeysResult.Fail(V2ErrorCodes.InvalidField, $"'{Shorten(token)}' is not a discovery token (32 lowercase hex digits, as /new gives)", 0);
        }

        if (key.Length == 0)
        {
            return write ? KeysResult.Fail(V2ErrorCodes.NotFile, KeyNames.Absolute(token, key), 0) : null;
        }

        if (key is KeyNames.ConfigDirectory or KeyNames.SizeKey)
        {
            return write
                ? KeysResult.Fail(V2ErrorCodes.InvalidField, $"{KeyNames.Absolute(token, key)}: keys starting with '_' belong to the discovery service", 0)
                : null;
        }

        if (!KeyNames.IsMemberKey(key))
        {
            return KeysResult.Fail(
                V2ErrorCodes.InvalidField,
                $"'{Shorten(key)}' is not a member key (1 to {KeyNames.MaxKeyLength} letters, digits, '.', '_' or '-', starting with a letter or digit)",
                0);
        }

        return null;
    }

    private static KeysResult NotFound(string token, string key, long index) =>
        KeysResult.Fail(V2ErrorCodes.KeyNotFound, KeyNames.Absolute(token, key), index);

    private static V2Node Leaf(string token, StoredNode node) =>
        new(KeyNames.Absolute(token, node.Key), node.Value, null, null, node.ModifiedIndex, node.CreatedIndex);

    /// <summary>A directory listing; the token and <c>_config</c> are created with the token, at index 1.</summary>
    private static V2Node Directory(string token, string key, IEnumerable<StoredNode> children, bool sorted)
    {
        var listed = sorted ? children.OrderBy(n => n.Key, StringComparer.Ordinal) : children.OrderBy(n => n.CreatedIndex);
        var nodes = listed.Select(n => Leaf(token, n)).ToList();
        return new V2Node(KeyNames.Absolute(token, key), null, true, nodes.Count > 0 ? nodes : null, 1, 1);
    }

    private static V2Response EventResponse(string token, StoredEvent change) => new(
        change.Action,
        new V2Node(KeyNames.Absolute(token, change.Key), change.Value, null, null, change.Index, change.CreatedIndex),
        change.PrevNode is { } previous ? Leaf(token, previous) : null);

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "...";

    [LoggerMessage(EventId = DiscoveryEventIds.TokenCreated, Level = LogLevel.Information, Message = "Created token {Token} for {Size} members")]
    private partial void LogTokenCreated(string token, int size);

    [LoggerMessage(EventId = DiscoveryEventIds.MemberRegistered, Level = LogLevel.Information, Message = "Token {Token}: {Key} registered at index {Index}")]
    private partial void LogMemberRegistered(string token, string key, long index);
}
