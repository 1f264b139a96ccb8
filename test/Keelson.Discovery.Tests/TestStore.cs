using Keelson.IntegrationTests.Harness;

namespace Keelson.Discovery.Tests;

/// <summary>
/// A store of a test's own: a SQLite file in a temp folder, a PostgreSQL database of its own, or a key prefix of its
/// own on a shared etcd. Two hosts
/// started on one <see cref="TestStore"/> share its tokens (a restart, or two replicas).
/// </summary>
public sealed class TestStore : IDisposable
{
    private readonly string? _directory;

    private TestStore(StoreLocation location, string? etcdPrefix, string? directory)
    {
        Location = location;
        EtcdPrefix = etcdPrefix;
        _directory = directory;
    }

    public StoreLocation Location { get; }

    public string? EtcdPrefix { get; }

    /// <summary>The PostgreSQL database's connection string, for a test that looks inside; null for the other stores.</summary>
    public string? ConnectionString { get; private init; }

    public static TestStore Sqlite()
    {
        var directory = Directory.CreateTempSubdirectory("keelson-discovery-test-").FullName;
        return new TestStore(StoreLocation.Sqlite(Path.Combine(directory, "discovery.db")), null, directory);
    }

    /// <summary>A fresh database in the test process's PostgreSQL (see <see cref="Keelson.TestSupport.PostgresCluster"/>).</summary>
    public static TestStore Postgres()
    {
        // Off the test's synchronisation context: the cluster may be starting.
        var connectionString = Task.Run(() => Keelson.TestSupport.PostgresCluster.CreateDatabaseAsync()).GetAwaiter().GetResult();
        return StoreLocation.TryParse(connectionString, out var location, out var error)
            ? new TestStore(location!, null, null) { ConnectionString = connectionString }
            : throw new InvalidOperationException($"the test cluster's connection string is refused: {error}");
    }

    public static TestStore Etcd(EtcdCluster cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var endpoints = cluster.Members.Select(m => m.ClientUrl).ToList();
        return new TestStore(StoreLocation.Etcd(endpoints), $"test/{Guid.NewGuid():N}/", null);
    }

    public void Apply(DiscoveryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Store = Location;
        if (EtcdPrefix is not null)
        {
            options.EtcdPrefix = EtcdPrefix;
        }
    }

    public void Dispose()
    {
        if (_directory is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(_directory, recursive: true);
        }
    }
}
