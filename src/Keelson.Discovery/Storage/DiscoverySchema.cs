using System.Data.Common;
using Dapper;

namespace Keelson.Discovery.Storage;

/// <summary>
/// The SQL stores' schema migrations (SQLite and PostgreSQL), applied in order at start-up, each in its own
/// transaction and recorded in a table of their own (<see cref="SqliteMigrationsTable"/>, or
/// <see cref="PostgresMigrationsTable"/> beside the update service's in a shared database). Migrations are only ever appended.
/// </summary>
internal static class DiscoverySchema
{
    private static readonly (int Version, string Name, string Sql)[] s_all =
    [
        (1, "tokens", """
            CREATE TABLE tokens (
                token TEXT PRIMARY KEY,
                size INTEGER NOT NULL,
                created_at BIGINT NOT NULL,
                last_index BIGINT NOT NULL);
            CREATE INDEX ix_tokens_created_at ON tokens (created_at);
            CREATE TABLE nodes (
                token TEXT NOT NULL REFERENCES tokens(token) ON DELETE CASCADE,
                key TEXT NOT NULL,
                value TEXT NOT NULL,
                created_index BIGINT NOT NULL,
                modified_index BIGINT NOT NULL,
                PRIMARY KEY (token, key));
            CREATE TABLE events (
                token TEXT NOT NULL REFERENCES tokens(token) ON DELETE CASCADE,
                event_index BIGINT NOT NULL,
                action TEXT NOT NULL,
                key TEXT NOT NULL,
                value TEXT NULL,
                created_index BIGINT NOT NULL,
                prev_value TEXT NULL,
                prev_created_index BIGINT NULL,
                prev_modified_index BIGINT NULL,
                PRIMARY KEY (token, event_index));
            """),
    ];

    /// <summary>Where a SQLite file records its migrations (the file holds nothing else).</summary>
    public const string SqliteMigrationsTable = "schema_migrations";

    /// <summary>
    /// Where a PostgreSQL database records them: a name of its own, since the update service may keep its tables
    /// (and its <c>schema_migrations</c>) in the same database.
    /// </summary>
    public const string PostgresMigrationsTable = "discovery_schema_migrations";

    /// <summary>The newest schema version this build knows.</summary>
    public static int Latest => s_all[^1].Version;

    /// <summary>
    /// Applies the migrations the database has not seen, in <paramref name="write"/> transactions, each starting with
    /// <paramref name="migrationLock"/> (when not empty) so that replicas starting at once migrate one after another.
    /// </summary>
    public static async Task ApplyAsync(
        Func<Func<DbConnection, DbTransaction, Task>, CancellationToken, Task> write,
        string migrationsTable,
        string migrationLock,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        async Task LockAsync(DbConnection connection, DbTransaction transaction)
        {
            if (migrationLock.Length > 0)
            {
                await connection.ExecuteAsync(migrationLock, transaction: transaction);
            }
        }

        await write(
            async (connection, transaction) =>
            {
                await LockAsync(connection, transaction);
                await connection.ExecuteAsync(
                    $"CREATE TABLE IF NOT EXISTS {migrationsTable} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
                    transaction: transaction);
            },
            cancellationToken);
        foreach (var (version, name, sql) in s_all)
        {
            await write(
                async (connection, transaction) =>
                {
                    await LockAsync(connection, transaction);
                    var seen = await connection.ExecuteScalarAsync<long>(
                        $"SELECT COUNT(*) FROM {migrationsTable} WHERE version = @version", new { version }, transaction);
                    if (seen > 0)
                    {
                        return;
                    }

                    await connection.ExecuteAsync(sql, transaction: transaction);
                    await connection.ExecuteAsync(
                        $"INSERT INTO {migrationsTable} (version, name, applied_at) VALUES (@version, @name, @now)",
                        new { version, name, now = time.GetUtcNow().ToUnixTimeMilliseconds() },
                        transaction);
                },
                cancellationToken);
        }

        await write(
            async (connection, transaction) =>
            {
                var newest = await connection.ExecuteScalarAsync<long>($"SELECT COALESCE(MAX(version), 0) FROM {migrationsTable}", transaction: transaction);
                if (newest > Latest)
                {
                    throw new DiscoveryStoreException(
                        $"the discovery database has schema version {newest}, newer than this Keelson build knows ({Latest}); run a newer Keelson",
                        isTransient: false);
                }
            },
            cancellationToken);
    }
}
