using System.Net.Http.Json;
using Keelson.Server.Api.Contracts;

namespace Keelson.Server.Tests;

public sealed class RolloutPolicyTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync();
        await _server.PublishAsync("2605.10.0");
        await _server.SetChannelAsync("stable", "2605.10.0");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<string> CheckAsync(string machine) =>
        (await _server.CheckAsync(machine, "2512.2.0")).Element("updatecheck")!.Attribute("status")!.Value;

    private async Task AssertHeldAsync(string machine, string reason)
    {
        Assert.Equal("noupdate", await CheckAsync(machine));
        var instance = (await _server.InstanceAsync(machine)).Instance;
        Assert.Equal("OnHold", instance.Status);
        Assert.Contains(reason, instance.StatusReason, StringComparison.Ordinal);
    }

    private async Task CompleteAsync(string machine)
    {
        await _server.EventAsync(machine, "2512.2.0", 3, 1);
        await _server.CheckAsync(machine, "2605.10.0", events: "<event eventtype=\"3\" eventresult=\"2\" previousversion=\"2512.2.0\"></event>");
        Assert.Equal("Complete", (await _server.InstanceAsync(machine)).Instance.Status);
    }

    [Fact]
    public async Task A_paused_group_holds_machines_with_noupdate_and_resume_releases_them()
    {
        var paused = await _server.Http.PostAsync($"{_server.AppPath}/groups/stable/pause", null);
        Assert.True(paused.IsSuccessStatusCode);

        await AssertHeldAsync("m1", "paused");

        var resumed = await _server.Http.PostAsync($"{_server.AppPath}/groups/stable/resume", null);
        Assert.True(resumed.IsSuccessStatusCode);
        Assert.Equal("ok", await CheckAsync("m1"));
        Assert.Equal("UpdateGranted", (await _server.InstanceAsync("m1")).Instance.Status);
    }

    [Fact]
    public async Task Safe_mode_lets_one_machine_go_first_and_the_rest_follow_once_it_completes()
    {
        await _server.PatchGroupAsync("stable", new GroupRequest(SafeMode: true));

        Assert.Equal("ok", await CheckAsync("m1"));
        await AssertHeldAsync("m2", "safe mode");
        // The first machine asking again keeps its grant.
        Assert.Equal("ok", await CheckAsync("m1"));

        await CompleteAsync("m1");

        Assert.Equal("ok", await CheckAsync("m2"));
        Assert.Equal("ok", await CheckAsync("m3"));
    }

    [Fact]
    public async Task In_safe_mode_a_failure_halts_the_group_until_an_operator_resumes_it()
    {
        await _server.PatchGroupAsync("stable", new GroupRequest(SafeMode: true));
        Assert.Equal("ok", await CheckAsync("m1"));

        await _server.EventAsync("m1", "2512.2.0", 3, 0, errorCode: 10);

        var group = await _server.Http.GetFromJsonAsync<GroupInfo>($"{_server.AppPath}/groups/stable", TestServer.Json);
        Assert.False(group!.UpdatesEnabled);
        Assert.Contains("safe mode halted", group.PausedReason, StringComparison.Ordinal);
        Assert.Contains((await _server.ActivityAsync()).Items, a => a.Kind == "RolloutFailed" && a.Severity == "error");
        await AssertHeldAsync("m2", "safe mode halted the rollout of 2605.10.0");

        await _server.Http.PostAsync($"{_server.AppPath}/groups/stable/resume", null);
        Assert.Equal("ok", await CheckAsync("m2"));
    }

    [Fact]
    public async Task In_safe_mode_a_grant_that_timed_out_no_longer_blocks_the_next_machine()
    {
        await _server.PatchGroupAsync("stable", new GroupRequest(SafeMode: true, UpdateTimeout: "30m"));
        Assert.Equal("ok", await CheckAsync("m1"));
        await AssertHeldAsync("m2", "safe mode");

        _server.Time.Advance(TimeSpan.FromMinutes(31));

        Assert.Equal("ok", await CheckAsync("m2"));
    }

    [Fact]
    public async Task At_most_N_updates_are_granted_per_period()
    {
        await _server.PatchGroupAsync("stable", new GroupRequest(MaxUpdatesPerPeriod: 2, Period: "1h"));

        Assert.Equal("ok", await CheckAsync("m1"));
        Assert.Equal("ok", await CheckAsync("m2"));
        await AssertHeldAsync("m3", "rate limit: 2 of 2 updates per 1h");

        _server.Time.Advance(TimeSpan.FromMinutes(61));

        Assert.Equal("ok", await CheckAsync("m3"));
    }

    [Fact]
    public async Task Updates_are_granted_only_inside_a_maintenance_window_in_its_time_zone()
    {
        // The clock starts Monday 2026-11-23 12:00 UTC = 13:00 in Berlin (CET, UTC+1).
        await _server.PatchGroupAsync("stable", new GroupRequest(Windows: ["Mon 14:00 1h"], TimeZone: "Europe/Berlin"));

        await AssertHeldAsync("m1", "outside the maintenance windows (Mon 14:00 1h Europe/Berlin)");

        _server.Time.Advance(TimeSpan.FromMinutes(60));
        Assert.Equal("ok", await CheckAsync("m1"));

        _server.Time.Advance(TimeSpan.FromMinutes(60));
        await AssertHeldAsync("m2", "outside the maintenance windows");
    }

    [Fact]
    public async Task A_ramp_makes_a_growing_stable_share_of_the_group_eligible()
    {
        // The ramp starts when the channel gets the release.
        await _server.PatchGroupAsync("stable", new GroupRequest(Ramp: "10h"));
        await _server.PublishAsync("2605.11.0");
        await _server.SetChannelAsync("stable", "2605.11.0");
        var machines = Enumerable.Range(0, 100).Select(i => $"machine{i:000}").ToList();

        var atStart = 0;
        foreach (var machine in machines)
        {
            atStart += await CheckAsync(machine) == "ok" ? 1 : 0;
        }

        _server.Time.Advance(TimeSpan.FromHours(5));
        var granted = new List<string>();
        foreach (var machine in machines)
        {
            if (await CheckAsync(machine) == "ok")
            {
                granted.Add(machine);
            }
        }

        Assert.Equal(0, atStart);
        Assert.InRange(granted.Count, 30, 70);
        foreach (var machine in machines)
        {
            var instance = (await _server.InstanceAsync(machine)).Instance;
            Assert.Equal(instance.RampPlace < 0.5, granted.Contains(machine));
            if (!granted.Contains(machine))
            {
                Assert.Contains("rollout ramp at 50% of the group", instance.StatusReason, StringComparison.Ordinal);
            }
        }

        _server.Time.Advance(TimeSpan.FromHours(5));
        foreach (var machine in machines.Except(granted))
        {
            Assert.Equal("ok", await CheckAsync(machine));
        }
    }

    [Fact]
    public async Task A_held_machine_is_answered_ok_with_noupdate_never_an_error()
    {
        await _server.Http.PostAsync($"{_server.AppPath}/groups/stable/pause", null);

        var app = await _server.CheckAsync("m1", "2512.2.0");

        Assert.Equal("ok", app.Attribute("status")!.Value);
        Assert.Equal("noupdate", app.Element("updatecheck")!.Attribute("status")!.Value);
    }

    [Fact]
    public async Task A_machine_that_is_no_longer_held_and_up_to_date_leaves_OnHold()
    {
        await _server.Http.PostAsync($"{_server.AppPath}/groups/stable/pause", null);
        await AssertHeldAsync("m1", "paused");

        await _server.CheckAsync("m1", "2605.10.0");

        Assert.Equal("Undefined", (await _server.InstanceAsync("m1")).Instance.Status);
    }
}
