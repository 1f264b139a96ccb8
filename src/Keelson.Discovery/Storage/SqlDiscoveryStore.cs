using System.Data.Common;
using Dapper;
using Keelson.Discovery.Protocol;

namespace Keelson.Discovery.Storage;

/// <summary>
/// The tokens, keys and events of a SQL store, written once for SQLite and PostgreSQL. Each change is one
/// transaction; indexes are assigned per token from <c>tokens.last_index</c> inside it, so they only ever grow.
/// A derived store opens connections and transactions and says how its engine differs.
/// </summary>
internal abstract class SqlDiscoveryStore : IDiscoveryStore
{
    // CAST: PostgreSQL's INTEGER is 32 bits, SQLite's 64; the row's constructor takes one type.
    private const string SelectToken =
        "SELECT token AS Token, CAST(size AS BIGINT) AS Size, created_at AS CreatedAt, last_index AS LastIndex FROM tokens WHERE token = @token";

    public abstract bool IsShared { get; }

    /// <summary>
    /// Appended to the read of the token a change starts from: a lock that makes a second writer of the same token
    /// wait until the first has committed (PostgreSQL's <c>FOR UPDATE</c>); empty where writers are one at a time.
    /// </summary>
    protected abstract string LockTokenRow { get; }

    /// <summary>Runs <paramref name="work"/> in one transaction that sees one state of the database.</summary>
    protected abstract Task<T> ReadAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken);

    /// <summary>Runs <paramref name="work"/> in one write transaction; it commits when the work returns.</summary>
    protected abstract Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken);

    /// <summary>Called in the transaction of each change of <paramref name="token"/>, before it commits.</summary>
    protected virtual Task OnChangedAsync(DbConnection connection, DbTransaction transaction, string token) => Task.CompletedTask;

    public abstract void Dispose();

    public Task CreateTokenAsync(string token, int size, DateTimeOffset createdAt, CancellationToken cancellationToken) =>
        WriteAsync(
            async (connection, transaction) =>
            {
                var value = size.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await connection.ExecuteAsync(
                    """
                    INSERT INTO tokens (token, size, created_at, last_index) VALUES (@token, @size, @createdAt, 1);
                    INSERT INTO nodes (token, key, value, created_index, modified_index) VALUES (@token, @key, @value, 1, 1);
                    INSERT INTO events (token, event_index, action, key, value, created_index) VALUES (@token, 1, 'create', @key, @value, 1);
                    """,
                    new { token, size, createdAt = createdAt.ToUnixTimeMilliseconds(), key = KeyNames.SizeKey, value },
                    transaction);
                return 0;
            },
            cancellationToken);

    public Task<TokenSnapshot?> ReadTokenAsync(string token, CancellationToken cancellationToken) =>
        ReadAsync(
            (connection, transaction) => ReadSnapshotAsync(connection, transaction, token, ""),
            cancellationToken);

    public Task<EventPage?> ReadEventsAsync(string token, long fromIndex, CancellationToken cancellationToken) =>
        ReadAsync<EventPage?>(
            async (connection, transaction) =>
            {
                var row = await connection.QuerySingleOrDefaultAsync<TokenRow>(SelectToken, new { token }, transaction);
                if (row is null)
                {
                    return null;
                }

                var events = await connection.QueryAsync<EventRow>(
                    """
                    SELECT event_index AS EventIndex, action AS Action, key AS Key, value AS Value, created_index AS CreatedIndex,
                           prev_value AS PrevValue, prev_created_index AS PrevCreatedIndex, prev_modified_index AS PrevModifiedIndex
                    FROM events WHERE token = @token AND event_index >= @fromIndex ORDER BY event_index LIMIT @limit
                    """,
                    new { token, fromIndex, limit = AppliedChange.HistoryLength },
                    transaction);
                return new EventPage(row.ToInfo(), [.. events.Select(e => e.ToEvent())]);
            },
            cancellationToken);

    public Task<long?> ReadIndexAsync(string token, CancellationToken cancellationToken) =>
        ReadAsync(
            (connection, transaction) => connection.ExecuteScalarAsync<long?>(
                "SELECT last_index FROM tokens WHERE token = @token", new { token }, transaction),
            cancellationToken);

    public Task<ChangeOutcome> ChangeAsync(string token, Func<TokenSnapshot, ChangeDecision> decide, CancellationToken cancellationToken) =>
        WriteAsync(
            async (connection, transaction) =>
            {
                var snapshot = await ReadSnapshotAsync(connection, transaction, token, LockTokenRow);
                if (snapshot is null)
                {
                    return ChangeOutcome.NoToken;
                }

                var decision = decide(snapshot);
                if (decision.Change is not { } change)
                {
                    return new ChangeOutcome(snapshot.Info, null, decision.Failure);
                }

                var applied = AppliedChange.Work(snapshot, change);
                await WriteChangeAsync(connection, transaction, applied);
                await OnChangedAsync(connection, transaction, token);
                return new ChangeOutcome(applied.Token, applied.Event, null);
            },
            cancellationToken);

    public Task<IReadOnlyList<string>> DeleteTokensCreatedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken) =>
        WriteAsync<IReadOnlyList<string>>(
            async (connection, transaction) =>
            {
                // A bounded batch keeps the write lock short; the collector comes back for the rest.
                var tokens = (await connection.QueryAsync<string>(
                    "SELECT token FROM tokens WHERE created_at < @cutoff ORDER BY created_at LIMIT 500",
                    new { cutoff = cutoff.ToUnixTimeMilliseconds() },
                    transaction)).ToList();
                foreach (var token in tokens)
                {
                    await connection.ExecuteAsync("DELETE FROM tokens WHERE token = @token", new { token }, transaction);
                }

                return tokens;
            },
            cancellationToken);

    public Task CheckHealthAsync(CancellationToken cancellationToken) =>
        ReadAsync((connection, transaction) => connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM tokens WHERE token = ''", transaction: transaction), cancellationToken);


    private static async Task<TokenSnapshot?> ReadSnapshotAsync(DbConnection connection, DbTransaction transaction, string token, string lockRow)
    {
        var row = await connection.QuerySingleOrDefaultAsync<TokenRow>(SelectToken + lockRow, new { token }, transaction);
        if (row is null)
        {
            return null;
        }

        var nodes = await connection.QueryAsync<StoredNode>(
            """
            SELECT key AS Key, value AS Value, created_index AS CreatedIndex, modified_index AS ModifiedIndex
            FROM nodes WHERE token = @token ORDER BY created_index, key
            """,
            new { token },
            transaction);
        return new TokenSnapshot(row.ToInfo(), [.. nodes]);
    }

    private static async Task WriteChangeAsync(DbConnection connection, DbTransaction transaction, AppliedChange applied)
    {
        var token = applied.Token.Token;
        var change = applied.Event;
        if (applied.Node is { } node)
        {
            await connection.ExecuteAsync(
                """
                INSERT INTO nodes (token, key, value, created_index, modified_index) VALUES (@token, @Key, @Value, @CreatedIndex, @ModifiedIndex)
                ON CONFLICT (token, key) DO UPDATE SET value = excluded.value, modified_index = excluded.modified_index
                """,
                new { token, node.Key, node.Value, node.CreatedIndex, node.ModifiedIndex },
                transaction);
        }
        else
        {
            await connection.ExecuteAsync("DELETE FROM nodes WHERE token = @token AND key = @key", new { token, key = change.Key }, transaction);
        }

        await connection.ExecuteAsync(
            """
            INSERT INTO events (token, event_index, action, key, value, created_index, prev_value, prev_created_index, prev_modified_index)
            VALUES (@token, @Index, @Action, @Key, @Value, @CreatedIndex, @prevValue, @prevCreatedIndex, @prevModifiedIndex);
            UPDATE tokens SET last_index = @Index WHERE token = @token;
            DELETE FROM events WHERE token = @token AND event_index <= @expired;
            """,
            new
            {
                token,
                change.Index,
                change.Action,
                change.Key,
                change.Value,
                change.CreatedIndex,
                prevValue = change.PrevNode?.Value,
                prevCreatedIndex = change.PrevNode?.CreatedIndex,
                prevModifiedIndex = change.PrevNode?.ModifiedIndex,
                expired = applied.ExpiredEventIndex ?? 0,
            },
            transaction);
    }

    internal sealed record TokenRow(string Token, long Size, long CreatedAt, long LastIndex)
    {
        public TokenInfo ToInfo() => new(Token, (int)Size, DateTimeOffset.FromUnixTimeMilliseconds(CreatedAt), LastIndex);
    }

    internal sealed record EventRow(
        long EventIndex, string Action, string Key, string? Value, long CreatedIndex, string? PrevValue, long? PrevCreatedIndex, long? PrevModifiedIndex)
    {
        public StoredEvent ToEvent() => new(
            EventIndex,
            Action,
            Key,
            Value,
            CreatedIndex,
            PrevValue is null ? null : new StoredNode(Key, PrevValue, PrevCreatedIndex ?? 0, PrevModifiedIndex ?? 0));
    }
}

