using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Keelson.Discovery.Storage;

/// <summary>
/// The embedded store: one SQLite file, one replica. WAL mode keeps every committed change across a kill -9.
/// </summary>
internal sealed class SqliteDiscoveryStore : SqlDiscoveryStore
{
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

    public override bool IsShared => false;

    protected override string LockTokenRow => "";

    /// <summary>Opens (creating when absent) the database at <paramref name="path"/> and brings its schema up to date.</summary>
    public static async Task<SqliteDiscoveryStore> OpenAsync(string path, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = System.IO.Path.GetFullPath(path);
        Keelson.Limits.PrivateFiles.SqliteDatabase(full);
        var store = new SqliteDiscoveryStore(full);
        try
        {
            await DiscoverySchema.ApplyAsync(
                (work, ct) => store.WriteAsync(
                    async (connection, transaction) =>
                    {
                        await work(connection, transaction);
                        return 0;
                    },
                    ct),
                DiscoverySchema.SqliteMigrationsTable,
                migrationLock: "",
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

    public override void Dispose()
    {
        _writeGate.Dispose();
        SqliteConnection.ClearAllPools();
    }

    protected override async Task<T> ReadAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken)
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

    protected override async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken)
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
}
