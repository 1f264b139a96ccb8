using System.Net;
using System.Net.Http.Json;
using Keelson.Server.Api.Contracts;
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
}
