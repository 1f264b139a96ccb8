using Dapper;
using Keelson.Server.Storage;

namespace Keelson.Server.Tests.Storage;

/// <summary>How a check reads its machines' rows (<see cref="InstanceTable.FindManyAsync"/>).</summary>
public sealed class InstanceReadTests : IAsyncLifetime
{
    private const int Machines = 20_000;
    private readonly string _directory = Directory.CreateTempSubdirectory("keelson-instance-read-").FullName;
    private Database _database = null!;

    public async Task InitializeAsync()
    {
        _database = Database.Open(await TestDatabase.CreateAsync(_directory));
        await Migrations.ApplyAsync(_database, TimeProvider.System, CancellationToken.None);
    }

    public Task DisposeAsync()
    {
        _database.Dispose();
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Machines_are_read_through_the_primary_key_before_the_table_has_statistics()
    {
        // A fleet that appeared faster than the statistics follow (a new database, a burst of first checks): 20,000
        // machines of one application, never analyzed.
        await _database.WriteAsync(
            (c, t) => c.ExecuteAsync(
                """
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @machines)
                INSERT INTO instances (app_id, machine_id, alias, ip, oem, oem_version, board, aleph_version, version, track,
                                       group_id, status, first_seen_at, last_check_at)
                SELECT @app, 'machine-' || i, '', '10.0.0.1', '', '', 'amd64-usr', '1.0.0', '1.0.0', 'alpha', 'alpha', 'Complete', i, i
                FROM n
                """,
                new { app = TestServer.CoreOsApp, machines = Machines },
                t),
            CancellationToken.None);
        string[] ids = [.. Enumerable.Range(0, 30).Select(i => i % 2 == 0 ? $"machine-{(i * 617) + 1}" : $"never-seen-{i}")];
        string[] wanted = [.. ids, ids[0]];   // a machine asked for twice is read once

        var plan = await _database.ReadAsync(
            async c => string.Join('\n', _database.Dialect == SqlDialect.Postgres
                ? await c.QueryAsync<string>("EXPLAIN " + InstanceTable.FindManySql(_database.Dialect), new { appId = TestServer.CoreOsApp, machineIds = ids })
                : (await c.QueryAsync("EXPLAIN QUERY PLAN " + InstanceTable.FindManySql(_database.Dialect), new { appId = TestServer.CoreOsApp, machineIds = ids }))
                    .Select(row => (string)row.detail)),
            CancellationToken.None);
        var found = await _database.ReadAsync(
            c => InstanceTable.FindManyAsync(c, null, _database.Dialect, TestServer.CoreOsApp, wanted), CancellationToken.None);

        // Not another index of instances, filtered by machine: that reads every row of the application.
        Assert.Contains(_database.Dialect == SqlDialect.Postgres ? "instances_pkey" : "sqlite_autoindex_instances_1", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("ix_instances_", plan, StringComparison.Ordinal);
        Assert.Equal(ids.Where(id => id.StartsWith("machine-", StringComparison.Ordinal)).Order(), found.Keys.Order());
        Assert.All(found, pair => Assert.Equal(pair.Key, pair.Value.MachineId));
    }
}
