using Keelson.Server.Storage;
using Keelson.TestSupport;

namespace Keelson.Server.Tests;

/// <summary>
/// The one place tests choose their database: SQLite in the test's folder, or a fresh database in the test
/// process's PostgreSQL when <c>KEELSON_TEST_DATABASE=postgresql</c>.
/// </summary>
public static class TestDatabase
{
    /// <summary>A new, empty database for one test; <paramref name="directory"/> holds it when it is SQLite.</summary>
    public static async Task<DatabaseLocation> CreateAsync(string directory) =>
        TestDatabases.Kind == TestDatabaseKind.Postgresql
            ? Parse(await PostgresCluster.CreateDatabaseAsync())
            : DatabaseLocation.Sqlite(Path.Combine(directory, "keelson.db"));

    /// <summary>
    /// What a test server is given: null (the server's default, keelson.db in its data folder, so that a copied
    /// folder carries the database) under SQLite, a fresh database under PostgreSQL.
    /// </summary>
    public static async Task<DatabaseLocation?> ForServerAsync() =>
        TestDatabases.Kind == TestDatabaseKind.Postgresql ? Parse(await PostgresCluster.CreateDatabaseAsync()) : null;

    private static DatabaseLocation Parse(string connectionString) =>
        DatabaseLocation.TryParse(connectionString, out var location, out var error)
            ? location
            : throw new InvalidOperationException($"the test cluster's connection string is refused: {error}");
}
