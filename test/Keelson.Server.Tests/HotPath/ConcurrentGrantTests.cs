using Dapper;
using Keelson.Server.Api.Contracts;
using Keelson.Server.Storage;
using Keelson.Server.Updates;
using Microsoft.Extensions.DependencyInjection;

namespace Keelson.Server.Tests.HotPath;

/// <summary>Many machines behind their channel at once: grants share transactions and the rollout limits still hold.</summary>
public sealed class ConcurrentGrantTests : IAsyncLifetime
{
    private const int Machines = 120;

    private TestServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync();
        await _server.PublishAsync("2605.10.0");
        await _server.SetChannelAsync("stable", "2605.10.0");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task At_most_N_per_period_are_granted_when_all_machines_check_at_once()
    {
        await _server.PatchGroupAsync("stable", new GroupRequest(MaxUpdatesPerPeriod: 7, Period: "1h"));

        var offered = await CheckAllAtOnceAsync();

        Assert.Equal(7, offered);
        Assert.Equal(7, await CountAsync("SELECT COUNT(*) FROM instance_history WHERE status = 'UpdateGranted'"));
        Assert.Equal(7, await CountAsync("SELECT COUNT(*) FROM instances WHERE status = 'UpdateGranted'"));
        Assert.Equal(Machines - 7, await CountAsync("SELECT COUNT(*) FROM instances WHERE status = 'OnHold'"));
    }

    [Fact]
    public async Task Safe_mode_grants_one_machine_first_when_all_machines_check_at_once()
    {
        await _server.PatchGroupAsync("stable", new GroupRequest(SafeMode: true));

        var offered = await CheckAllAtOnceAsync();

        Assert.Equal(1, offered);
        Assert.Equal(1, await CountAsync("SELECT COUNT(*) FROM instance_history WHERE status = 'UpdateGranted'"));
        // The rollout's start is logged once, with its first grant.
        var activity = await _server.ActivityAsync();
        Assert.Single(activity.Items, entry => entry.Kind == ActivityKind.RolloutStarted);
    }

    [Fact]
    public async Task Without_limits_every_machine_is_granted_and_recorded_once()
    {
        var offered = await CheckAllAtOnceAsync();

        Assert.Equal(Machines, offered);
        Assert.Equal(Machines, await CountAsync("SELECT COUNT(*) FROM instance_history WHERE status = 'UpdateGranted'"));
        Assert.Single((await _server.ActivityAsync()).Items, entry => entry.Kind == ActivityKind.RolloutStarted);
    }

    /// <summary>Every machine checks at the same time; returns how many were offered the update.</summary>
    private async Task<int> CheckAllAtOnceAsync()
    {
        var answers = await Task.WhenAll(Enumerable.Range(0, Machines).Select(async i =>
            (await _server.CheckAsync($"concurrent-{i:D4}", "2512.2.0", events: "")).Element("updatecheck")!.Attribute("status")!.Value));
        Assert.All(answers, answer => Assert.Contains(answer, new[] { "ok", "noupdate" }));
        return answers.Count(answer => answer == "ok");
    }

    private async Task<long> CountAsync(string sql)
    {
        var database = _server.Services.GetRequiredService<Database>();
        return await database.ReadAsync(connection => connection.ExecuteScalarAsync<long>(sql), CancellationToken.None);
    }
}
