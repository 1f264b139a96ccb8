using System.Net;
using System.Net.Http.Json;
using Dapper;
using Keelson.Server.Api.Contracts;
using Keelson.Server.Storage;
using Keelson.Server.Updates;
using Microsoft.Extensions.DependencyInjection;

namespace Keelson.Server.Tests;

public sealed class InstancePrunerTests
{
    [Fact]
    public async Task Machines_not_seen_for_the_retention_period_are_pruned_with_their_history()
    {
        await using var server = await TestServer.StartAsync(o => o.InstanceRetention = TimeSpan.FromDays(30));
        await server.PublishAsync("2605.10.0");
        await server.SetChannelAsync("stable", "2605.10.0");
        await server.CheckAsync("gone", "2512.2.0");
        server.Time.Advance(TimeSpan.FromDays(20));
        await server.CheckAsync("alive", "2605.10.0");
        server.Time.Advance(TimeSpan.FromDays(11));

        // The hourly pruning may already have run on the advanced clock; pruning again settles it either way.
        await server.Services.GetRequiredService<InstancePruner>().PruneAsync(CancellationToken.None);

        Assert.Equal(HttpStatusCode.NotFound, (await server.Http.GetAsync($"{server.AppPath}/instances/gone")).StatusCode);
        var remaining = await server.Http.GetFromJsonAsync<Page<InstanceInfo>>($"{server.AppPath}/instances", TestServer.Json);
        Assert.Equal("alive", Assert.Single(remaining!.Items).MachineId);
    }

    [Fact]
    public async Task A_large_prune_runs_in_batches_until_every_old_machine_is_gone_and_leaves_recent_ones_and_their_counts()
    {
        await using var server = await TestServer.StartAsync(o =>
        {
            // No scheduled run prunes beside the test's own (the clock is advanced past the hour).
            o.PruneEvery = Timeout.InfiniteTimeSpan;
            o.InstanceRetention = TimeSpan.FromDays(30);
            o.PruneBatchSize = 2;
            o.PrunePause = TimeSpan.Zero;
        });
        await server.PublishAsync("2605.10.0");
        await server.SetChannelAsync("stable", "2605.10.0");
        for (var i = 0; i < 7; i++)
        {
            await server.CheckAsync($"gone{i}", "2512.2.0");
        }

        server.Time.Advance(TimeSpan.FromDays(20));
        await server.CheckAsync("alive0", "2605.10.0");
        await server.CheckAsync("alive1", "2512.2.0");
        server.Time.Advance(TimeSpan.FromDays(11));
        await server.CheckAsync("gone0", "2512.2.0", events: "");   // checked again: stays

        var pruner = server.Services.GetRequiredService<InstancePruner>();
        var pruned = await pruner.PruneAsync(CancellationToken.None);

        Assert.Equal(6, pruned);  // in batches of at most two
        var remaining = await server.Http.GetFromJsonAsync<Page<InstanceInfo>>($"{server.AppPath}/instances?sort=machine", TestServer.Json);
        Assert.Equal(["alive0", "alive1", "gone0"], remaining!.Items.Select(i => i.MachineId));
        Assert.Equal(3, remaining.Total);
        Assert.NotEmpty((await server.InstanceAsync("alive1")).History);
        var rollout = await server.Http.GetFromJsonAsync<GroupRollout>($"{server.AppPath}/groups/stable/rollout", TestServer.Json);
        Assert.Equal(3, rollout!.Progress.Total);
        var database = server.Services.GetRequiredService<Database>();
        Assert.Equal(0L, await database.ReadAsync(
            c => c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM instance_history WHERE machine_id LIKE 'gone%' AND machine_id <> 'gone0'"),
            CancellationToken.None));
        Assert.Equal(0, await pruner.PruneAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_prune_whose_transactions_outlast_the_batch_time_deletes_fewer_machines_at_a_time_and_still_every_old_one()
    {
        await using var server = await TestServer.StartAsync(o =>
        {
            o.PruneEvery = Timeout.InfiniteTimeSpan;
            o.InstanceRetention = TimeSpan.FromDays(30);
            o.PruneBatchSize = 40;
            // Every transaction takes longer than this: after the first (40), each deletes the fewest the pruner takes (10).
            o.PruneBatchTime = TimeSpan.FromTicks(1);
            o.PrunePause = TimeSpan.Zero;
        });
        await server.PublishAsync("2605.10.0");
        await server.SetChannelAsync("stable", "2605.10.0");
        for (var i = 0; i < 75; i++)
        {
            await server.CheckAsync($"gone{i}", "2605.10.0");
        }

        server.Time.Advance(TimeSpan.FromDays(31));
        await server.CheckAsync("alive", "2605.10.0");

        Assert.Equal(75, await server.Services.GetRequiredService<InstancePruner>().PruneAsync(CancellationToken.None));
        var remaining = await server.Http.GetFromJsonAsync<Page<InstanceInfo>>($"{server.AppPath}/instances", TestServer.Json);
        Assert.Equal("alive", Assert.Single(remaining!.Items).MachineId);
    }
}
