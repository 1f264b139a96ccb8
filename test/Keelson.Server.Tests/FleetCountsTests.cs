using System.Net.Http.Json;
using Dapper;
using Keelson.Server.Api.Contracts;
using Keelson.Server.Storage;
using Keelson.Server.Updates;
using Microsoft.Extensions.DependencyInjection;

namespace Keelson.Server.Tests;

/// <summary>The maintained machine counts the summaries read equal counting the instances rows, folded or not.</summary>
public sealed class FleetCountsTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Summaries_equal_counting_the_rows_through_grants_errors_holds_moves_deletes_and_folds()
    {
        var counts = _server.Services.GetRequiredService<FleetCounts>();
        await _server.PublishAsync("1.1.0");
        await _server.SetChannelAsync("alpha", "1.1.0");
        await _server.PatchGroupAsync("alpha", new GroupRequest(MaxUpdatesPerPeriod: 3, Period: "1h"));
        await _server.CreateGroupAsync("canary", "alpha");
        for (var i = 0; i < 6; i++)
        {
            await _server.CheckAsync($"a{i}", "1.0.0", "alpha");     // three granted, three held by the rate limit
        }

        await _server.EventAsync("a0", "1.0.0", 13, 1, track: "alpha");       // downloading
        await _server.EventAsync("a1", "1.0.0", 3, 0, 10, "alpha");           // failed: payload hash mismatch
        await AssertSummariesMatchRowsAsync();

        await counts.FoldAsync(CancellationToken.None);
        await AssertSummariesMatchRowsAsync();

        await _server.CheckAsync("c0", "1.1.0", "canary");
        await _server.CheckAsync("s0", "1.0.0", "stable");
        await _server.EventAsync("a2", "1.0.0", 3, 0, 44, "alpha");           // rolled back
        await _server.CheckAsync("a2", "1.0.0", "alpha");                     // held back since
        await _server.CheckAsync("a3", "1.1.0", "canary");                    // moved to another group, on target
        await AssertSummariesMatchRowsAsync();

        Assert.True((await _server.Http.DeleteAsync($"{_server.AppPath}/groups/canary?force=true")).IsSuccessStatusCode);
        await AssertSummariesMatchRowsAsync();
        await counts.FoldAsync(CancellationToken.None);
        await AssertSummariesMatchRowsAsync();

        var database = _server.Services.GetRequiredService<Database>();
        Assert.Equal(0L, await database.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM instance_count_changes"), CancellationToken.None));
        Assert.Equal(0L, await database.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM instance_counts WHERE machines <= 0"), CancellationToken.None));
    }

    [Fact]
    public async Task A_backlog_of_50000_changes_on_a_table_the_statistics_saw_emptied_is_folded_in_batches()
    {
        var database = _server.Services.GetRequiredService<Database>();
        var counts = _server.Services.GetRequiredService<FleetCounts>();
        var group = await database.ReadAsync(c => c.ExecuteScalarAsync<string>("SELECT id FROM update_groups WHERE name = 'alpha'"), CancellationToken.None);
        // A burst of first sightings: a machine counted and uncounted in turn, 50,000 changes that add up to nothing in
        // every batch.
        Task BurstAsync() => database.WriteAsync(
            (c, t) => c.ExecuteAsync(
                """
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000)
                INSERT INTO instance_count_changes (app_id, group_id, status, version, status_reason, last_error_code, machines)
                SELECT @app, @group, 'Complete', '9.9.9', '', -1, CASE WHEN i % 2 = 1 THEN 1 ELSE -1 END FROM n
                """,
                new { app = TestServer.CoreOsApp, group },
                t),
            CancellationToken.None);
        await BurstAsync();
        await counts.FoldAsync(CancellationToken.None);
        // As autovacuum leaves it between folds when it cannot take the table's lock to truncate it: pages, and
        // statistics that say none of them holds a row (found so at a million machines).
        await database.ReadAsync(
            c => c.ExecuteAsync(database.Dialect == SqlDialect.Postgres ? "VACUUM (TRUNCATE false, ANALYZE) instance_count_changes" : "ANALYZE instance_count_changes"),
            CancellationToken.None);
        await BurstAsync();

        // Before the fix PostgreSQL ran this fold as a nested loop (the LIMIT subquery again for every row) and hit its
        // 30 s command timeout.
        await counts.FoldAsync(CancellationToken.None);

        Assert.Equal(0L, await database.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM instance_count_changes"), CancellationToken.None));
        Assert.Equal(0L, await database.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM instance_counts"), CancellationToken.None));
        await AssertSummariesMatchRowsAsync();
    }

    private async Task AssertSummariesMatchRowsAsync()
    {
        // Routine checks are written in batches: the rows counted here include every check made so far.
        await _server.Services.GetRequiredService<InstanceTouches>().FlushAsync(CancellationToken.None);
        var database = _server.Services.GetRequiredService<Database>();
        var rows = (await database.ReadAsync(
            c => c.QueryAsync<(string Group, string Status, string Version, long Machines)>(
                "SELECT g.name, i.status, i.version, COUNT(*) FROM instances i JOIN update_groups g ON g.id = i.group_id GROUP BY g.name, i.status, i.version"),
            CancellationToken.None)).ToList();
        var all = await database.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM instances"), CancellationToken.None);

        var rollouts = (await _server.ListAsync<GroupRollout>($"{_server.AppPath}/rollout"));
        foreach (var rollout in rollouts)
        {
            var p = rollout.Progress;
            var mine = rows.Where(r => r.Group == rollout.Group.Name).ToList();
            Assert.Equal(mine.Sum(r => r.Machines), p.Total);
            Assert.Equal(p.Total, p.OnTarget + p.Updating + p.OnHold + p.Failed + p.NotYetOffered);
            Assert.Equal(
                mine.GroupBy(r => r.Status).Select(s => new Tally(s.Key, s.Sum(r => r.Machines))).OrderBy(t => t.Name),
                p.Statuses.OrderBy(t => t.Name));
            Assert.Equal(
                mine.GroupBy(r => r.Version).Select(v => new Tally(v.Key, v.Sum(r => r.Machines))).OrderBy(t => t.Name),
                p.Versions.OrderBy(t => t.Name));
        }

        var page = (await _server.Http.GetFromJsonAsync<Page<InstanceInfo>>($"{_server.AppPath}/instances", TestServer.Json))!;
        Assert.Equal(all, page.Total);
        foreach (var status in rows.Select(r => r.Status).Distinct())
        {
            var filtered = (await _server.Http.GetFromJsonAsync<Page<InstanceInfo>>($"{_server.AppPath}/instances?group=alpha&status={status}", TestServer.Json))!;
            Assert.Equal(rows.Where(r => r.Group == "alpha" && r.Status == status).Sum(r => r.Machines), filtered.Total);
            Assert.Equal(filtered.Total, filtered.Items.Count);
        }
    }
}
