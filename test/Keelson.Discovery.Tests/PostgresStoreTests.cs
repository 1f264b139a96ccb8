using System.Net;
using Keelson.Discovery.Storage;
using Keelson.TestSupport;
using Npgsql;

namespace Keelson.Discovery.Tests;

/// <summary>What only the PostgreSQL store does: share a database, and keep hearing other replicas after its listener drops.</summary>
public sealed class PostgresStoreTests : IAsyncLifetime
{
    private readonly TestStore _store = TestStore.Postgres();
    private readonly List<DiscoveryHost> _hosts = [];

    [Fact]
    public async Task The_store_shares_a_database_with_the_update_service_and_its_schema_migrations()
    {
        // The update service's own migrations table, at a version the discovery schema never reaches.
        await ExecuteAsync(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL);"
            + "INSERT INTO schema_migrations VALUES (99, 'update-service', 0)");

        var host = await StartAsync();
        var token = await host.NewTokenAsync(1);

        Assert.Equal(HttpStatusCode.Created, (await host.PutAsync($"/{token}/aaaa?prevExist=false", "infra0=http://10.0.1.10:2380")).Status);
        Assert.Equal(1L, await ScalarAsync($"SELECT COUNT(*) FROM {DiscoverySchema.PostgresMigrationsTable}"));
        Assert.Equal(99, await ScalarAsync("SELECT MAX(version) FROM schema_migrations"));
    }

    [Fact]
    public async Task A_watch_still_wakes_for_another_replica_after_its_listening_connection_was_cut()
    {
        var (a, b) = (await StartAsync(), await StartAsync());
        var token = await a.NewTokenAsync(2);
        Assert.Equal(2L, await ScalarAsync(
            $"SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN {PostgresDiscoveryStore.Channel}'"));

        var watch = a.GetAsync($"/{token}?recursive=true&wait=true&waitIndex=2");
        await Eventually.HoldsAsync(() => Task.FromResult(a.HeldWatches == 1), "replica a holds the watch");
        var put = await b.PutAsync($"/{token}/bbbb?prevExist=false", "infra1=http://10.0.1.11:2380");
        var seen = await watch.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(HttpStatusCode.Created, put.Status);
        Assert.Equal(HttpStatusCode.OK, seen.Status);
        Assert.Equal($"/{token}/bbbb", seen.Node.GetProperty("key").GetString());
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }

        _store.Dispose();
    }

    private async Task<DiscoveryHost> StartAsync()
    {
        var host = await DiscoveryHost.StartAsync(_store);
        _hosts.Add(host);
        return host;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_store.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_store.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
