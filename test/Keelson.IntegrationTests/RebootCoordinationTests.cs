using Keelson.Coordination.Locks;
using Keelson.IntegrationTests.Harness;
using Xunit.Abstractions;

namespace Keelson.IntegrationTests;

/// <summary>
/// Reboots in turns: simulated machines whose agents take a slot of locksmith's semaphore in a real three-member
/// etcd 3.4 cluster (or of the update server's FleetLock) before rebooting into an update. What held the lock when
/// is read from etcd's own history of the key, revision by revision.
/// </summary>
public sealed class RebootCoordinationTests(ITestOutputHelper log)
{
    private const string Group = "fleet";

    [Fact]
    public async Task Thirty_machines_with_two_slots_all_update_and_etcd_never_shows_more_than_two_holders_even_when_a_member_dies()
    {
        await using var etcd = await EtcdCluster.StartStaticAsync(3, log);
        await using var keelson = new KeelsonProcess(log);
        var fleet = await TestFleet.StartAsync(keelson);
        await fleet.PublishAsync("1.1.0", channel: "alpha");
        await keelson.SucceedAsync("lock", "set-max", "2", "--endpoints", etcd.Endpoints, "--group", Group);
        var names = Enumerable.Range(1, 30).Select(i => $"m{i:D2}").ToList();
        foreach (var name in names)
        {
            await fleet.CreateMachineAsync(name, "alpha", "--reboot-strategy", "etcd-lock", "--etcd", etcd.Endpoints, "--lock-group", Group);
        }

        var runs = names.ToDictionary(name => name, name =>
            keelson.Start(["machine", "run", name, "--check-interval", "1s", "--until-version", "1.1.0", "--timeout", "400s"]));
        // In the middle of it: one of the three members dies, for good.
        await runs["m01"].WaitForLineAsync(line => line.Contains("Rebooting into USR-B", StringComparison.Ordinal), TimeSpan.FromSeconds(120));
        await etcd.Members[1].KillAsync();
        foreach (var (name, run) in runs)
        {
            Assert.True(await run.WaitForExitAsync(TimeSpan.FromSeconds(420)), run.Describe());
            Assert.True(run.Result().ExitCode == 0, run.Describe());
        }

        var history = await EtcdHistory.SemaphoreAsync(etcd, EtcdSemaphore.KeyFor(Group));
        // The key's life: created by set-max's first read, set to max 2, then one write per lock and per unlock.
        Assert.Equal(SemaphoreState.Initial, history[0]);
        Assert.Equal(2 + 2 * names.Count, history.Count);
        Assert.All(history.Skip(1), state => Assert.True(state.Holders.Count <= 2 && state.Max == 2, $"a revision held {state}"));
        Assert.Contains(history, state => state.Holders.Count == 2);
        var machineIds = names.Select(name => File.ReadAllText(keelson.PathOf($"{name}/etc/machine-id")).Trim()).ToHashSet();
        Assert.Equal(machineIds, history.SelectMany(state => state.Holders).ToHashSet());
        // Each took its slot, rebooted, and gave it back once the new boot was marked good.
        Assert.Empty(history[^1].Holders);
        Assert.All(runs.Values, run => Assert.Contains("reboot strategy: REBOOT_STRATEGY=etcd-lock", run.StandardOutput, StringComparison.OrdinalIgnoreCase));
        var status = await keelson.SucceedAsync("lock", "status", "--endpoints", etcd.Endpoints, "--group", Group);
        Assert.Equal("Available: 2\nMax: 2\n", status.StandardOutput);
    }

    [Fact]
    public async Task The_agent_logs_waiting_once_per_reason_taking_the_slot_and_releasing_only_what_it_held()
    {
        await using var etcd = await EtcdCluster.StartStaticAsync(1, log);
        await using var keelson = new KeelsonProcess(log);
        var fleet = await TestFleet.StartAsync(keelson);
        await fleet.PublishAsync("1.1.0", channel: "alpha");
        await keelson.SucceedAsync("lock", "lock", "other", "--endpoints", etcd.Endpoints, "--group", Group);
        await fleet.CreateMachineAsync("m1", "alpha", "--reboot-strategy", "etcd-lock", "--etcd", etcd.Endpoints, "--lock-group", Group);
        var machineId = File.ReadAllText(keelson.PathOf("m1/etc/machine-id")).Trim();

        var run = keelson.Start(["machine", "run", "m1", "--check-interval", "1s", "--until-version", "1.1.0", "--timeout", "120s"]);
        // Refused at once, then after 1 s, 2 s and 4 s: the status shows each next try, the log the reason once.
        var status = keelson.PathOf("m1/var/lib/keelson/status");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!(File.Exists(status) && (await File.ReadAllTextAsync(status)).Contains("next try in 4 s", StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < deadline && !run.HasExited, $"the agent never waited a third time:\n{run.Describe()}");
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }

        await keelson.SucceedAsync("lock", "unlock", "other", "--endpoints", etcd.Endpoints, "--group", Group);
        Assert.True(await run.WaitForExitAsync(TimeSpan.FromSeconds(120)), run.Describe());
        Assert.True(run.Result().ExitCode == 0, run.Describe());

        var lines = run.StandardOutput.Split('\n');
        var lockName = $"etcd semaphore group '{Group}' at {etcd.Endpoints}";
        var waiting = Assert.Single(lines, line => line.Contains("waiting for a slot of the reboot lock", StringComparison.Ordinal));
        Assert.EndsWith($"Reboot: waiting for a slot of the reboot lock ({lockName}): the only slot is held: other; next try in 1 s", waiting, StringComparison.Ordinal);
        var took = Array.FindIndex(lines, line => line.EndsWith($"Took the reboot lock ({lockName}): 1 of 1 slot held: {machineId}", StringComparison.Ordinal));
        var secondBoot = Array.FindIndex(lines, line => line.Contains("boot 2:", StringComparison.Ordinal));
        // The first boot held nothing, so it released nothing; the second gives back the slot it rebooted with.
        var released = Assert.Single(lines.Select((line, index) => (line, index)), l => l.line.Contains("Released the reboot lock", StringComparison.Ordinal));
        Assert.True(took > 0 && secondBoot > took && released.index > secondBoot, run.Describe());
        Assert.EndsWith($"Released the reboot lock ({lockName})", released.line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_the_etcd_cluster_unreachable_an_installed_update_waits_says_why_and_nobody_reboots()
    {
        await using var keelson = new KeelsonProcess(log);
        var fleet = await TestFleet.StartAsync(keelson);
        await fleet.PublishAsync("1.1.0", channel: "alpha");
        var nowhere = $"http://127.0.0.1:{LoopbackPorts.Next()}";
        await fleet.CreateMachineAsync("m1", "alpha", "--reboot-strategy", "etcd-lock", "--etcd", nowhere);

        var run = await keelson.RunAsync(["machine", "run", "m1", "--check-interval", "1s", "--until-version", "1.1.0", "--timeout", "12s"], null);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("timed out", run.StandardError, StringComparison.Ordinal);
        Assert.Contains("waiting for the reboot lock, which cannot be taken now", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains(nowhere, run.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("boot 2:", run.StandardOutput, StringComparison.Ordinal);
        Assert.Equal((2, 1, 0), await TestFleet.CgptAsync(keelson, "m1", 4));   // installed, waiting, never tried
        var status = await File.ReadAllTextAsync(keelson.PathOf("m1/var/lib/keelson/status"));
        Assert.Contains("CURRENT_OP=UPDATE_STATUS_UPDATED_NEED_REBOOT", status, StringComparison.Ordinal);
        Assert.Contains("KEELSON_REBOOT=waiting for the reboot lock", status, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_machine_that_rolled_back_keeps_its_FleetLock_slot_so_the_next_machine_waits_until_an_operator_frees_it()
    {
        await using var keelson = new KeelsonProcess(log);
        var fleet = await TestFleet.StartAsync(keelson);
        await fleet.PublishAsync("1.1.0", channel: "alpha", failHealth: true);
        var server = keelson.Server!.Url.ToString();
        foreach (var name in new[] { "m1", "m2" })
        {
            await fleet.CreateMachineAsync(name, "alpha", "--reboot-strategy", "fleetlock", "--fleetlock", server, "--lock-group", Group);
        }

        var first = await keelson.SucceedAsync("machine", "run", "m1", "--check-interval", "1s", "--boots", "3", "--timeout", "120s");
        var firstId = File.ReadAllText(keelson.PathOf("m1/etc/machine-id")).Trim();
        var locks = Json.Parse((await keelson.SucceedAsync("reboot-lock", "list", "--json")).StandardOutput);
        var waiting = await keelson.RunAsync(["machine", "run", "m2", "--check-interval", "1s", "--boots", "2", "--timeout", "10s"], null);
        var secondStatus = await File.ReadAllTextAsync(keelson.PathOf("m2/var/lib/keelson/status"));
        await keelson.SucceedAsync("reboot-lock", "release", Group, firstId);
        var released = await keelson.SucceedAsync("machine", "run", "m2", "--check-interval", "1s", "--boots", "2", "--timeout", "60s");

        Assert.Contains("boot 3: USR-A runs 1.0.0", first.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("Keeping the reboot lock", first.StandardOutput, StringComparison.Ordinal);
        var firstStatus = await File.ReadAllTextAsync(keelson.PathOf("m1/var/lib/keelson/status"));
        Assert.Contains("KEELSON_REBOOT=holding the reboot lock", firstStatus, StringComparison.Ordinal);
        Assert.Contains($"keelson reboot-lock release {Group} {firstId}", firstStatus, StringComparison.Ordinal);
        var group = Json.Find(locks, "group", Group);
        Assert.Equal([firstId], group.GetProperty("holders").EnumerateArray().Select(h => h.GetProperty("id").GetString()));
        var instance = await fleet.InstanceAsync("m1");
        // The server says it too: held back after the rollback it was told about.
        Assert.Equal(44, instance.GetProperty("instance").GetProperty("lastErrorCode").GetInt64());
        Assert.Contains("rolled back from 1.1.0", instance.GetProperty("instance").GetProperty("statusReason").GetString(), StringComparison.Ordinal);

        Assert.Equal(1, waiting.ExitCode);
        Assert.DoesNotContain("boot 2:", waiting.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("waiting for a slot of the reboot lock", secondStatus, StringComparison.Ordinal);
        Assert.Contains(firstId, secondStatus, StringComparison.Ordinal);
        Assert.Contains("USR-B runs 1.1.0", released.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_installed_update_waits_for_the_reboot_window_and_the_status_says_when_it_opens()
    {
        await using var keelson = new KeelsonProcess(log);
        var fleet = await TestFleet.StartAsync(keelson);
        await fleet.PublishAsync("1.1.0", channel: "alpha");
        // A daily window that opened twelve hours ago and closed eleven hours ago: closed for the next eleven hours.
        var opens = DateTimeOffset.UtcNow.AddHours(-12);
        await fleet.CreateMachineAsync("m1", "alpha", "--reboot-strategy", "reboot",
            "--set", $"KEELSON_REBOOT_WINDOWS=daily {opens:HH\\:mm} 1h", "--set", "KEELSON_REBOOT_TIMEZONE=UTC");

        var run = await keelson.RunAsync(["machine", "run", "m1", "--check-interval", "1s", "--until-version", "1.1.0", "--timeout", "10s"], null);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"waiting for the reboot window daily {opens:HH\\:mm} for 1h (UTC)", run.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("boot 2:", run.StandardOutput, StringComparison.Ordinal);
        Assert.Equal((2, 1, 0), await TestFleet.CgptAsync(keelson, "m1", 4));
    }
}
