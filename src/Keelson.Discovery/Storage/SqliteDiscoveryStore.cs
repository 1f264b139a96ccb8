using System.Data.Common;
using Dapper;
using Keelson.Discovery.Protocol;
using Microsoft.Data.Sqlite;

namespace Keelson.Discovery.Storage;

/// <summary>
/// The embedded store: one SQLite file, one replica. Each change is one transaction; indexes are assigned per
/// token from <c>tokens.last_index</c> inside it, so they only ever grow. WAL mode keeps every committed change
/// across a kill -9.
/// </summary>
internal sealed class SqliteDiscoveryStore : IDiscoveryStore
{
    private const string SelectToken =
        "SELECT token AS Token, size AS Size, created_at AS CreatedAt, last_index AS LastIndex FROM tokens WHERE token = @token";

    // SQLite has one writer at a time; waiting here is asynchronous, waiting inside SQLite would block a pool thread.
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly string _connectionString;

    private SqliteDiscoveryStore(string path)
    {
        Path = path;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            ForeignKeys = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    /// <summary>The database file (absolute).</summary>
    public string Path { get; }

    public bool IsShared => false;

    /// <summary>Opens (creating when absent) the database at <paramref name="path"/> and brings its schema up to date.</summary>
    public static async Task<SqliteDiscoveryStore> OpenAsync(string path, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        var store = new SqliteDiscoveryStore(full);
        try
        {
            await SqliteSchema.ApplyAsync(
                (work, ct) => store.WriteAsync(
                    async (connection, transaction) =>
                    {
                        await work(connection, transaction);
                        return 0;
                    },
                    ct),
                time,
                cancellationToken);
            return store;
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

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
            (connection, transaction) => ReadSnapshotAsync(connection, transaction, token),
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
                var snapshot = await ReadSnapshotAsync(connection, transaction, token);
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
        ReadAsync((connection, transaction) => connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM schema_migrations", transaction: transaction), cancellationToken);

    public void Dispose()
    {
        _writeGate.Dispose();
        SqliteConnection.ClearAllPools();
    }

    private static async Task<TokenSnapshot?> ReadSnapshotAsync(DbConnection connection, DbTransaction transaction, string token)
    {
        var row = await connection.QuerySingleOrDefaultAsync<TokenRow>(SelectToken, new { token }, transaction);
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

    private async Task<T> ReadAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new SqliteConnection(_connectionString);
            await connection.OpenAsync(cancellationToken);
            // A deferred transaction: the queries of one read see one state of the file.
            await using var transaction = connection.BeginTransaction(deferred: true);
            return await work(connection, transaction);
        }
        catch (SqliteException e)
        {
            throw Wrap(e);
        }
    }

    private async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            await using var connection = new SqliteConnection(_connectionString);
            await connection.OpenAsync(cancellationToken);
            // WAL is kept in the file once set; NORMAL keeps every commit across a process kill.
            await connection.ExecuteAsync("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var result = await work(connection, transaction);
            await transaction.CommitAsync(cancellationToken);
            return result;
        }
        catch (SqliteException e)
        {
            throw Wrap(e);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private DiscoveryStoreException Wrap(SqliteException e) =>
        new($"the discovery database {Path} failed: {e.Message}", isTransient: e.SqliteErrorCode is 5 or 6, e);

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
