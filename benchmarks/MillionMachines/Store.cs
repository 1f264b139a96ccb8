using Dapper;
using Keelson.Server;
using Keelson.Server.Storage;

namespace MillionMachines;

/// <summary>
/// The store the benchmark seeds and the server runs on: SQLite in the data folder (the default) or a PostgreSQL
/// database named by --database. Opening it is the only place where the two differ, besides how its size is read.
/// </summary>
internal static class Store
{
    public static Database Open(string? database, string data) => Database.Open(Location(database, data));

    /// <summary>Points the server at the same store.</summary>
    public static void Configure(ServerOptions options, string? database)
    {
        if (database is not null)
        {
            options.Database = Location(database, options.DataDirectory);
        }
    }

    /// <summary>The store --database names (a postgres:// URL, an Npgsql connection string, sqlite:PATH), or keelson.db in the data folder.</summary>
    private static DatabaseLocation Location(string? database, string data) =>
        database is null ? DatabaseLocation.Sqlite(SqlitePath(data))
        : DatabaseLocation.TryParse(database, out var location, out var error) ? location
        : throw new FormatException($"--database: {error}");

    public static string Describe(string? database) => database is null ? "SQLite" : Location(database, "").ToString();

    /// <summary>The database's size and its size per machine: the file for SQLite, every table with its indexes for PostgreSQL.</summary>
    public static async Task<string> SizeAsync(Database database, string? store, string data)
    {
        var machines = await database.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM instances"), CancellationToken.None);
        long bytes;
        string what;
        if (database.Dialect == SqlDialect.Sqlite)
        {
            // Everything committed moves from the write-ahead log into the file first.
            await database.ReadAsync(c => c.ExecuteAsync("PRAGMA wal_checkpoint(TRUNCATE)"), CancellationToken.None);
            bytes = new FileInfo(store is null ? SqlitePath(data) : Location(store, data).Path).Length;
            what = "keelson.db";
        }
        else
        {
            bytes = await database.ReadAsync(
                c => c.ExecuteScalarAsync<long>(
                    """
                    SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class c
                    JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE c.relkind = 'r' AND n.nspname = current_schema()
                    """),
                CancellationToken.None);
            what = "pg_total_relation_size of every table";
        }

        return Program.Invariant($"database size: {bytes / 1048576.0:0.0} MiB ({what}) for {machines:N0} machines: {bytes / (double)Math.Max(1, machines):0} bytes per machine");
    }

    private static string SqlitePath(string data) => Path.Combine(data, "keelson.db");
}
