using System.Data.Common;
using System.Diagnostics;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Keelson.Server.Storage;

/// <summary>
/// The update service's database: opens connections and runs work in transactions.
/// SQL kept portable (SQLite now, PostgreSQL next); the few differences live in <see cref="SqlDialect"/>.
/// </summary>
public sealed class Database : IDisposable
{
    // SQLite has one writer at a time. Waiting for it inside SQLite blocks a thread-pool thread in a
    // busy loop; waiting here is asynchronous, so a burst of checks queues instead of starving the pool.
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly string _connectionString;

    static Database()
    {
        DefaultTypeMap.MatchNamesWithUnderscores = true;
    }

    private Database(string connectionString, SqlDialect dialect)
    {
        _connectionString = connectionString;
        Dialect = dialect;
    }

    public SqlDialect Dialect { get; }

    /// <summary>A SQLite database in <paramref name="path"/>, created when absent.</summary>
    public static Database OpenSqlite(string path)
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            ForeignKeys = true,
            DefaultTimeout = 30,
        };
        return new Database(builder.ToString(), SqlDialect.Sqlite);
    }

    private async Task<SqliteConnection> OpenAsync(bool write, CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        if (write)
        {
            // WAL lets reads run beside the writer and is kept in the file once set; synchronous is per connection.
            // NORMAL in WAL mode keeps every committed transaction across a process kill (kill -9); only an
            // operating system crash can lose the last commits.
            await connection.ExecuteAsync("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
        }

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
            return result;
        }
        finally
        {
            _writeGate.Release();
            StoreMetrics.Write(startedAt);
        }
    }

    public void Dispose()
    {
        _writeGate.Dispose();
        SqliteConnection.ClearAllPools();
    }
}
