using System.Data.Common;
using System.Diagnostics;
using Dapper;
using Keelson.Postgres;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Keelson.Server.Storage;

/// <summary>
/// The update service's database, SQLite or PostgreSQL: opens connections and runs work in transactions.
/// SQL is kept portable; the few differences live in <see cref="SqlDialect"/>.
/// </summary>
public sealed class Database : IDisposable
{
    // SQLite has one writer at a time. Waiting for it inside SQLite blocks a thread-pool thread in a
    // busy loop; waiting here is asynchronous, so a burst of checks queues instead of starving the pool.
    // PostgreSQL writes go through it too, so that a replica's own writes keep SQLite's order (read, decide,
    // write without a second writer of this process in between); writes of other replicas are not held here.
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly string? _sqliteConnectionString;
    private readonly WalCheckpoints? _checkpoints;
    private readonly NpgsqlDataSource? _postgres;
    private readonly NpgsqlConnectionStringBuilder? _postgresSettings;

    static Database()
    {
        DefaultTypeMap.MatchNamesWithUnderscores = true;
    }

    private Database(
        SqlDialect dialect, string description, string? sqliteConnectionString, NpgsqlConnectionStringBuilder? postgres, TimeSpan? checkpointEvery = null)
    {
        Dialect = dialect;
        Description = description;
        _sqliteConnectionString = sqliteConnectionString;
        if (checkpointEvery is { } every)
        {
            _checkpoints = new WalCheckpoints(CheckpointAsync, every);
        }

        if (postgres is not null)
        {
            _postgresSettings = postgres;
            _postgres = new NpgsqlDataSourceBuilder(postgres.ConnectionString).Build();
        }
    }

    public SqlDialect Dialect { get; }

    /// <summary>The PostgreSQL settings (a copy), for a connection of its own such as a listener's; null on SQLite.</summary>
    public NpgsqlConnectionStringBuilder? PostgresSettings =>
        _postgresSettings is null ? null : new NpgsqlConnectionStringBuilder(_postgresSettings.ConnectionString);

    /// <summary>Where the data is (a file, or a PostgreSQL host and database), for messages: never a password.</summary>
    public string Description { get; }

    /// <summary>The database <paramref name="location"/> names (not yet connected).</summary>
    public static Database Open(DatabaseLocation location)
    {
        ArgumentNullException.ThrowIfNull(location);
        return location.Kind == DatabaseKind.Sqlite ? OpenSqlite(location.Path) : OpenPostgres(location.Postgres!);
    }

    /// <summary>
    /// A SQLite database in <paramref name="path"/>, created when absent; its write-ahead log is checkpointed in the
    /// background at most every <paramref name="checkpointEvery"/> (<see cref="WalCheckpoints.DefaultInterval"/> by default).
    /// </summary>
    public static Database OpenSqlite(string path, TimeSpan? checkpointEvery = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (path != ":memory:")
        {
            Keelson.Limits.PrivateFiles.SqliteDatabase(path);
        }

        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            ForeignKeys = true,
            DefaultTimeout = 30,
        };
        // An in-memory database has no log to checkpoint.
        return new Database(
            SqlDialect.Sqlite, $"sqlite:{path}", builder.ToString(), null, path == ":memory:" ? null : checkpointEvery ?? WalCheckpoints.DefaultInterval);
    }

    /// <summary>A PostgreSQL database (pooled connections); it must exist, its tables are created by <see cref="Migrations"/>.</summary>
    public static Database OpenPostgres(NpgsqlConnectionStringBuilder settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        // No auto-preparation: measured on this workload it made checks 2-3x slower (the hot statements take arrays,
        // and the generic plans PostgreSQL keeps for prepared statements suit them worse than a plan per call).
        return new Database(SqlDialect.Postgres, PostgresConnectionString.Describe(settings), null, new NpgsqlConnectionStringBuilder(settings.ConnectionString));
    }

    private async Task<DbConnection> OpenAsync(bool write, CancellationToken cancellationToken)
    {
        if (_postgres is not null)
        {
            try
            {
                return await _postgres.OpenConnectionAsync(cancellationToken);
            }
            catch (Exception e) when (PostgresFailure.IsConnectionFailure(e))
            {
                throw new DatabaseException(PostgresFailure.Describe(_postgresSettings!, e), isTransient: true, e);
            }
        }

        var connection = new SqliteConnection(_sqliteConnectionString);
        await connection.OpenAsync(cancellationToken);
        // Pages are read through a shared memory map rather than copied into each connection by read calls: with a
        // million machines the indexes outgrow SQLite's small per-connection page cache.
        await connection.ExecuteAsync(write
            // WAL lets reads run beside the writer and is kept in the file once set; synchronous is per connection.
            // NORMAL in WAL mode keeps every committed transaction across a process kill (kill -9); only an
            // operating system crash can lose the last commits. No commit checkpoints the log: WalCheckpoints does.
            ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0; PRAGMA mmap_size=1073741824;"
            : "PRAGMA mmap_size=1073741824;");

        return connection;
    }

    public async Task<T> ReadAsync<T>(Func<DbConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        var startedAt = Stopwatch.GetTimestamp();
        try
        {
            await using var connection = await OpenAsync(write: false, cancellationToken);
            return await work(connection);
        }
        finally
        {
            StoreMetrics.Read(startedAt);
        }
    }

    /// <summary>Runs <paramref name="work"/> in one write transaction; it commits when the work returns.</summary>
    public async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        var startedAt = Stopwatch.GetTimestamp();
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await OpenAsync(write: true, cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var result = await work(connection, transaction);
            await transaction.CommitAsync(cancellationToken);
            _checkpoints?.Wrote();
            return result;
        }
        finally
        {
            _writeGate.Release();
            StoreMetrics.Write(startedAt);
        }
    }

    /// <summary>
    /// Copies what it can of SQLite's write-ahead log into the database file, holding the writer: measured at a million
    /// machines, a checkpoint beside the writer stalled the checks' reads (p99 53-118 ms instead of 15 ms while pruning).
    /// </summary>
    private async Task CheckpointAsync(CancellationToken cancellationToken)
    {
        var startedAt = Stopwatch.GetTimestamp();
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await OpenAsync(write: true, cancellationToken);
            await connection.ExecuteAsync("PRAGMA wal_checkpoint(PASSIVE)");
        }
        finally
        {
            _writeGate.Release();
            StoreMetrics.Checkpoint(startedAt);
        }
    }

    public void Dispose()
    {
        _checkpoints?.Dispose();
        _writeGate.Dispose();
        if (_postgres is not null)
        {
            _postgres.Dispose();
        }
        else
        {
            // This database's connections only: closing another's idle ones would make SQLite checkpoint that file.
            using var connection = new SqliteConnection(_sqliteConnectionString);
            SqliteConnection.ClearPool(connection);
        }
    }
}
