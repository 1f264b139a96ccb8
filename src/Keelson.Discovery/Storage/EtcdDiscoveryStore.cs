using System.Globalization;
using System.Text;
using System.Text.Json;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Keelson.Discovery.Protocol;

namespace Keelson.Discovery.Storage;

/// <summary>
/// The shared store: tokens in an etcd v3 cluster, so that several discovery replicas serve one token space.
/// Under the prefix P:
/// <list type="bullet">
/// <item><c>P{token}/state</c>: size, creation time and current index (JSON), rewritten by every change;</item>
/// <item><c>P{token}/nodes/{key}</c>: the token's keys (JSON: value, created and modified index);</item>
/// <item><c>P{token}/events/{index:D20}</c>: the last 1000 events;</item>
/// <item><c>Pgc/{createdAt ms:D20}/{token}</c>: tokens by age, for garbage collection.</item>
/// </list>
/// A change is one etcd transaction that succeeds only if the state key has not moved since it was read, so
/// concurrent replicas never hand out one index twice; the loser reads again and retries.
/// </summary>
internal sealed class EtcdDiscoveryStore : IDiscoveryStore
{
    private const int MaxAttempts = 64;
    private static readonly TimeSpan s_callTimeout = TimeSpan.FromSeconds(10);

    private readonly EtcdClient _client;
    private readonly string _prefix;

    public EtcdDiscoveryStore(IReadOnlyList<Uri> endpoints, string prefix)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        Endpoints = string.Join(',', endpoints.Select(e => e.GetLeftPart(UriPartial.Authority)));
        _prefix = prefix;
        _client = new EtcdClient(Endpoints, configureChannelOptions: options => options.Credentials = ChannelCredentials.Insecure);
    }

    /// <summary>The etcd client URLs, comma-separated.</summary>
    public string Endpoints { get; }

    public bool IsShared => true;

    public async Task CreateTokenAsync(string token, int size, DateTimeOffset createdAt, CancellationToken cancellationToken)
    {
        var value = size.ToString(CultureInfo.InvariantCulture);
        var sizeNode = new StoredNode(KeyNames.SizeKey, value, 1, 1);
        var txn = new TxnRequest();
        // A token is created once: the compare makes a (practically impossible) collision fail instead of overwrite.
        txn.Compare.Add(new Compare { Key = Key(StateKey(token)), Target = Compare.Types.CompareTarget.Version, Result = Compare.Types.CompareResult.Equal, Version = 0 });
        txn.Success.Add(Put(StateKey(token), Json(new EtcdTokenRecord(size, createdAt.ToUnixTimeMilliseconds(), 1), DiscoveryJson.Default.EtcdTokenRecord)));
        txn.Success.Add(Put(NodeKey(token, KeyNames.SizeKey), Json(sizeNode, DiscoveryJson.Default.StoredNode)));
        txn.Success.Add(Put(EventKey(token, 1), Json(new StoredEvent(1, "create", KeyNames.SizeKey, value, 1, null), DiscoveryJson.Default.StoredEvent)));
        txn.Success.Add(Put(GcKey(createdAt.ToUnixTimeMilliseconds(), token), ""));
        var response = await CallAsync(deadline => _client.TransactionAsync(txn, deadline: deadline, cancellationToken: cancellationToken), cancellationToken);
        if (!response.Succeeded)
        {
            throw new DiscoveryStoreException($"token {token} already exists in etcd", isTransient: true);
        }
    }

    public async Task<TokenSnapshot?> ReadTokenAsync(string token, CancellationToken cancellationToken) =>
        (await ReadSnapshotAsync(token, cancellationToken))?.Snapshot;

    public async Task<EventPage?> ReadEventsAsync(string token, long fromIndex, CancellationToken cancellationToken)
    {
        var txn = new TxnRequest();
        txn.Success.Add(Range(StateKey(token)));
        txn.Success.Add(new RequestOp
        {
            RequestRange = new RangeRequest
            {
                Key = Key(EventKey(token, Math.Max(fromIndex, 1))),
                RangeEnd = Key(PrefixEnd(EventsPrefix(token))),
                Limit = AppliedChange.HistoryLength,
            },
        });
        var response = await CallAsync(deadline => _client.TransactionAsync(txn, deadline: deadline, cancellationToken: cancellationToken), cancellationToken);
        if (response.Responses[0].ResponseRange.Kvs is not [var state])
        {
            return null;
        }

        var events = response.Responses[1].ResponseRange.Kvs.Select(kv => Parse(kv.Value, DiscoveryJson.Default.StoredEvent)).ToList();
        return new EventPage(ToInfo(token, state.Value), events);
    }

    public async Task<long?> ReadIndexAsync(string token, CancellationToken cancellationToken)
    {
        var response = await CallAsync(
            deadline => _client.GetAsync(new RangeRequest { Key = Key(StateKey(token)) }, deadline: deadline, cancellationToken: cancellationToken),
            cancellationToken);
        return response.Kvs is [var state] ? ToInfo(token, state.Value).Index : null;
    }

    public async Task<ChangeOutcome> ChangeAsync(string token, Func<TokenSnapshot, ChangeDecision> decide, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decide);
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var read = await ReadSnapshotAsync(token, cancellationToken);
            if (read is not var (snapshot, stateRevision))
            {
                return ChangeOutcome.NoToken;
            }

            var decision = decide(snapshot);
            if (decision.Change is not { } change)
            {
                return new ChangeOutcome(snapshot.Info, null, decision.Failure);
            }

            var applied = AppliedChange.Work(snapshot, change);
            var txn = new TxnRequest();
            txn.Compare.Add(new Compare
            {
                Key = Key(StateKey(token)),
                Target = Compare.Types.CompareTarget.Mod,
                Result = Compare.Types.CompareResult.Equal,
                ModRevision = stateRevision,
            });
            var info = applied.Token;
            txn.Success.Add(Put(StateKey(token), Json(new EtcdTokenRecord(info.Size, info.CreatedAt.ToUnixTimeMilliseconds(), info.Index), DiscoveryJson.Default.EtcdTokenRecord)));
            txn.Success.Add(applied.Node is { } node
                ? Put(NodeKey(token, node.Key), Json(node, DiscoveryJson.Default.StoredNode))
                : new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = Key(NodeKey(token, change.Key)) } });
            txn.Success.Add(Put(EventKey(token, applied.Event.Index), Json(applied.Event, DiscoveryJson.Default.StoredEvent)));
            if (applied.ExpiredEventIndex is { } expired)
            {
                txn.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = Key(EventKey(token, expired)) } });
            }

            var response = await CallAsync(deadline => _client.TransactionAsync(txn, deadline: deadline, cancellationToken: cancellationToken), cancellationToken);
            if (response.Succeeded)
            {
                return new ChangeOutcome(applied.Token, applied.Event, null);
            }

            // Another replica changed this token since it was read: decide again on what is there now.
        }

        throw new DiscoveryStoreException($"token {token} changed under every one of {MaxAttempts} attempts to change it", isTransient: true);
    }

    public async Task<IReadOnlyList<string>> DeleteTokensCreatedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var gcPrefix = _prefix + "gc/";
        var due = await CallAsync(
            deadline => _client.GetAsync(
                new RangeRequest
                {
                    Key = Key(gcPrefix),
                    RangeEnd = Key(gcPrefix + cutoff.ToUnixTimeMilliseconds().ToString("D20", CultureInfo.InvariantCulture)),
                    Limit = 500,
                    KeysOnly = true,
                },
                deadline: deadline,
                cancellationToken: cancellationToken),
            cancellationToken);
        var deleted = new List<string>();
        foreach (var kv in due.Kvs)
        {
            var gcKey = kv.Key.ToStringUtf8();
            var token = gcKey[(gcKey.LastIndexOf('/') + 1)..];
            var txn = new TxnRequest();
            txn.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = Key(TokenPrefix(token)), RangeEnd = Key(PrefixEnd(TokenPrefix(token))) } });
            txn.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = kv.Key } });
            await CallAsync(deadline => _client.TransactionAsync(txn, deadline: deadline, cancellationToken: cancellationToken), cancellationToken);
            deleted.Add(token);
        }

        return deleted;
    }

    public Task CheckHealthAsync(CancellationToken cancellationToken) =>
        CallAsync(
            deadline => _client.GetAsync(new RangeRequest { Key = Key(_prefix + "health"), CountOnly = true }, deadline: deadline, cancellationToken: cancellationToken),
            cancellationToken);

    public void Dispose() => _client.Dispose();

    private async Task<(TokenSnapshot Snapshot, long StateRevision)?> ReadSnapshotAsync(string token, CancellationToken cancellationToken)
    {
        // One transaction: the state and the nodes are read at one revision.
        var txn = new TxnRequest();
        txn.Success.Add(Range(StateKey(token)));
        txn.Success.Add(new RequestOp { RequestRange = new RangeRequest { Key = Key(NodesPrefix(token)), RangeEnd = Key(PrefixEnd(NodesPrefix(token))) } });
        var response = await CallAsync(deadline => _client.TransactionAsync(txn, deadline: deadline, cancellationToken: cancellationToken), cancellationToken);
        if (response.Responses[0].ResponseRange.Kvs is not [var state])
        {
            return null;
        }

        var nodes = response.Responses[1].ResponseRange.Kvs
            .Select(kv => Parse(kv.Value, DiscoveryJson.Default.StoredNode))
            .OrderBy(n => n.CreatedIndex)
            .ThenBy(n => n.Key, StringComparer.Ordinal)
            .ToList();
        return (new TokenSnapshot(ToInfo(token, state.Value), nodes), state.ModRevision);
    }

    private async Task<T> CallAsync<T>(Func<DateTime, Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call(DateTime.UtcNow + s_callTimeout);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        catch (RpcException e)
        {
            throw new DiscoveryStoreException(
                $"etcd at {Endpoints} failed: {e.Status.StatusCode} {e.Status.Detail}",
                isTransient: e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.ResourceExhausted or StatusCode.Aborted,
                e);
        }
    }

    private static TokenInfo ToInfo(string token, ByteString value)
    {
        var record = Parse(value, DiscoveryJson.Default.EtcdTokenRecord);
        return new TokenInfo(token, record.Size, DateTimeOffset.FromUnixTimeMilliseconds(record.CreatedAt), record.Index);
    }

    private static T Parse<T>(ByteString value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        try
        {
            return JsonSerializer.Deserialize(value.Span, type) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new DiscoveryStoreException($"etcd holds a discovery record that is not valid: {e.Message}", isTransient: false, e);
        }
    }

    private static string Json<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) => JsonSerializer.Serialize(value, type);

    private static ByteString Key(string key) => ByteString.CopyFromUtf8(key);

    private static RequestOp Range(string key) => new() { RequestRange = new RangeRequest { Key = Key(key) } };

    private static RequestOp Put(string key, string value) =>
        new() { RequestPut = new PutRequest { Key = Key(key), Value = ByteString.CopyFromUtf8(value) } };

    /// <summary>The first key after every key that starts with <paramref name="prefix"/> (its last byte plus one).</summary>
    private static string PrefixEnd(string prefix)
    {
        var bytes = Encoding.UTF8.GetBytes(prefix);
        bytes[^1]++;
        return Encoding.UTF8.GetString(bytes);
    }

    private string TokenPrefix(string token) => $"{_prefix}{token}/";

    private string StateKey(string token) => $"{_prefix}{token}/state";

    private string NodesPrefix(string token) => $"{_prefix}{token}/nodes/";

    private string NodeKey(string token, string key) => NodesPrefix(token) + key;

    private string EventsPrefix(string token) => $"{_prefix}{token}/events/";

    private string EventKey(string token, long index) => EventsPrefix(token) + index.ToString("D20", CultureInfo.InvariantCulture);

    private string GcKey(long createdAt, string token) => $"{_prefix}gc/{createdAt.ToString("D20", CultureInfo.InvariantCulture)}/{token}";
}
