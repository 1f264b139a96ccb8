using System.Text.Json;
using System.Text.RegularExpressions;
using Keelson.IntegrationTests.Harness;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Keelson.IntegrationTests;

/// <summary>
/// The update agent end to end: simulated machines (<c>keelson machine ...</c>) on real GPT disk images whose usr
/// slots hold real ext4 releases, updating from a real <c>keelson server</c> process; the disks are read back with
/// cgpt, the server's view with the admin CLI.
/// </summary>
public sealed class MachineTests(ITestOutputHelper log)
{
    private static readonly TimeSpan s_runTimeout = TimeSpan.FromSeconds(150);

    [Fact]
    public async Task A_machine_on_alpha_installs_the_new_release_into_B_reboots_marks_it_good_and_the_server_shows_it_complete()
    {
        await using var keelson = new KeelsonProcess(log);
        var fleet = await TestFleet.StartAsync(keelson);
        await fleet.PublishAsync("1.1.0", channel: "alpha");
        await fleet.CreateMachineAsync("m1", "alpha");

        var run = await keelson.SucceedAsync("machine", "run", "m1", "--check-interval", "1s", "--until-version", "1.1.0", "--timeout", "120s");

        Assert.Contains("boot 1: USR-A runs 1.0.0", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("Installed 1.1.0 into USR-B", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("boot 2: USR-B runs 1.1.0", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("the machine runs 1.1.0 on USR-B, marked good", run.StandardOutput, StringComparison.Ordinal);
        Assert.Equal((2, 0, 1), await TestFleet.CgptAsync(keelson, "m1", 4));   // USR-B: top priority, no tries left, successful
        Assert.Equal((1, 0, 1), await TestFleet.CgptAsync(keelson, "m1", 3));   // USR-A: still good, below B
        Assert.Equal(await File.ReadAllBytesAsync(fleet.Image("1.1.0")), await TestFleet.ReadSlotAsync(keelson, "m1", 4, fleet.Image("1.1.0")));

        var instance = await fleet.InstanceAsync("m1");
        Assert.Equal("Complete", instance.GetProperty("instance").GetProperty("status").GetString());
        Assert.Equal("1.1.0", instance.GetProperty("instance").GetProperty("version").GetString());
        var statuses = instance.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("status").GetString()).ToList();
        Assert.Contains("Downloading", statuses);
        Assert.Contains("Installed", statuses);

        var show = await keelson.SucceedAsync("machine", "show", "m1");
        Assert.Matches(@"booted: +USR-B \(boot 2\)", show.StandardOutput);
        Assert.Matches(@"USR-B +2 +0 +1 +1\.1\.0", show.StandardOutput);
        Assert.Contains("CURRENT_OP=UPDATE_STATUS_IDLE", show.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_release_that_fails_its_health_check_is_booted_once_then_the_machine_falls_back_to_A_reports_44_and_safe_mode_halts_the_group()
    {
        await using var keelson = new KeelsonProcess(log);
        var fleet = await TestFleet.StartAsync(keelson);
        await keelson.SucceedAsync("group", "update", "alpha", "--safe-mode", "true");
        await fleet.PublishAsync("1.1.0", channel: "alpha", failHealth: true);
        await fleet.CreateMachineAsync("m1", "alpha");

        var run = await keelson.SucceedAsync("machine", "run", "m1", "--check-interval", "1s", "--boots", "3", "--timeout", "120s");
        var again = await keelson.SucceedAsync("machine", "run", "m1", "--check-interval", "1s", "--boots", "1", "--timeout", "60s");

        Assert.Contains("boot 1: USR-A runs 1.0.0", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("boot 2: USR-B runs 1.1.0", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("1.1.0 on USR-B failed its health checks", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("boot 3: USR-A runs 1.0.0", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("The update to 1.1.0 did not stay", run.StandardOutput, StringComparison.Ordinal);
        // Never again into the bad slot: it has no tries left and was never marked good.
        Assert.Contains("boot 4: USR-A runs 1.0.0", again.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("Updating to", again.StandardOutput, StringComparison.Ordinal);
        Assert.Equal((2, 0, 0), await TestFleet.CgptAsync(keelson, "m1", 4));
        Assert.Equal((1, 0, 1), await TestFleet.CgptAsync(keelson, "m1", 3));

        var instance = await fleet.InstanceAsync("m1");
        var codes = instance.GetProperty("history").EnumerateArray()
            .Where(h => h.GetProperty("errorCode").ValueKind == JsonValueKind.Number)
            .Select(h => h.GetProperty("errorCode").GetInt64()).ToList();
        Assert.Contains(1001, codes);   // the unhealthy boot
        Assert.Contains(44, codes);     // the rollback, reported by the first check after falling back
        Assert.Equal("1.0.0", instance.GetProperty("instance").GetProperty("version").GetString());
        var group = Json.Parse((await keelson.SucceedAsync("group", "show", "alpha", "--json")).StandardOutput);
        Assert.False(group.GetProperty("updatesEnabled").GetBoolean(), group.ToString());
    }

    [Fact]
    public async Task SIGKILL_at_twenty_moments_during_download_and_install_never_leaves_a_half_written_slot_bootable_and_the_update_then_completes()
    {
        await using var keelson = new KeelsonProcess(log);
        // 6 MB/s makes the ~12 MB download last about two seconds, so kills land in it as well as in the install.
        await using var proxy = new ThrottlingProxy(6_000_000);
        var fleet = await TestFleet.StartAsync(keelson, fillerBytes: 12_000_000, publicUrl: proxy.Url);
        proxy.Target = keelson.Server!.Url;
        await fleet.PublishAsync("1.1.0", channel: "alpha");
        var newImage = await File.ReadAllBytesAsync(fleet.Image("1.1.0"));
        var payloadSize = new FileInfo(keelson.PathOf("1.1.0.kpay")).Length;

        var kills = 0;
        var machines = 0;
        var resumed = false;
        var random = new Random(Environment.TickCount);
        while (kills < 20)
        {
            var name = $"m{++machines}";
            // A kill that misses (the update was already done) moves to a fresh machine; a busy machine misses more often.
            if (machines > 14)
            {
                throw new XunitException($"only {kills} kills landed during an update in {machines - 1} machines");
            }

            await fleet.CreateMachineAsync(name, "alpha");
            var partial = keelson.PathOf(Path.Combine(name, "var", "lib", "keelson", "payload"));
            var fellBack = false;
            while (kills < 20)
            {
                var run = keelson.Start(["machine", "run", name, "--check-interval", "1s", "--until-version", "1.1.0", "--timeout", "120s"]);
                var started = await run.WaitForLineAsync(
                    line => line.Contains("Updating to 1.1.0", StringComparison.Ordinal) || line.Contains("USR-B runs 1.1.0", StringComparison.Ordinal)
                        || line.Contains("The update to 1.1.0 did not stay", StringComparison.Ordinal),
                    s_runTimeout);
                if (started.Contains("USR-B runs 1.1.0", StringComparison.Ordinal))
                {
                    // The last kill came after the install was complete: the machine boots the new release.
                    Assert.True(await run.WaitForExitAsync(s_runTimeout) && run.Result().ExitCode == 0, run.Describe());
                    break;
                }

                if (started.Contains("did not stay", StringComparison.Ordinal))
                {
                    // The last kill cut the first boot of 1.1.0 short, a power cut before it was marked good: the
                    // bootloader fell back to A by itself, and B (its one try used, never good) is never booted again.
                    run.Kill();
                    Assert.Equal((2, 0, 0), await TestFleet.CgptAsync(keelson, name, 4));
                    fellBack = true;
                    break;
                }

                // Aim inside what is left: the rest of the download at the proxy's rate, plus the install.
                var held = File.Exists(partial) ? new FileInfo(partial).Length : 0;
                var left = TimeSpan.FromSeconds((payloadSize - held) / 6_000_000.0) + TimeSpan.FromMilliseconds(400);
                await Task.Delay(TimeSpan.FromMilliseconds(random.NextDouble() * left.TotalMilliseconds));
                run.Kill();
                resumed |= run.StandardOutput.Contains("Resuming the download of 1.1.0", StringComparison.Ordinal);
                var landed = !run.StandardOutput.Contains("reboot: the agent asked for a reboot", StringComparison.Ordinal);
                log.WriteLine($"{name}: kill {(landed ? kills + 1 : 0)} {(landed ? "during" : "after")} the update; payload held {held} of {payloadSize}");
                if (landed)
                {
                    kills++;
                }

                // Whatever the moment: USR-B is either unbootable or holds exactly the new release.
                var (priority, tries, successful) = await TestFleet.CgptAsync(keelson, name, 4);
                if (priority > 0 && (tries > 0 || successful == 1))
                {
                    Assert.Equal(newImage, await TestFleet.ReadSlotAsync(keelson, name, 4, fleet.Image("1.1.0")));
                }
            }

            if (fellBack)
            {
                continue;
            }

            // After the kills the machine still boots USR-A and finishes the update (resuming what it held).
            var finish = await keelson.SucceedAsync("machine", "run", name, "--check-interval", "1s", "--until-version", "1.1.0", "--timeout", "120s");
            resumed |= finish.StandardOutput.Contains("Resuming the download of 1.1.0", StringComparison.Ordinal);
            Assert.DoesNotContain("USR-B runs 1.0.0", finish.StandardOutput, StringComparison.Ordinal);
            Assert.Equal((2, 0, 1), await TestFleet.CgptAsync(keelson, name, 4));
            Assert.Equal(newImage, await TestFleet.ReadSlotAsync(keelson, name, 4, fleet.Image("1.1.0")));
        }

        Assert.True(resumed, "no run resumed a partial download");
    }

    [Fact]
    public async Task A_payload_signed_with_an_untrusted_key_is_refused_reported_as_error_18_and_the_machine_keeps_booting_A()
    {
        await using var keelson = new KeelsonProcess(log);
        var fleet = await TestFleet.StartAsync(keelson);
        await keelson.SucceedAsync("payload", "keygen", "--out", "other.key");
        await fleet.PublishAsync("1.1.0", channel: "alpha", key: "other.key");
        await fleet.CreateMachineAsync("m1", "alpha");

        var run = await keelson.SucceedAsync("machine", "run", "m1", "--check-interval", "1s", "--boots", "1", "--timeout", "60s");
        var again = await keelson.SucceedAsync("machine", "run", "m1", "--check-interval", "1s", "--boots", "1", "--timeout", "60s");

        Assert.Contains("error code 18", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("boot 2: USR-A runs 1.0.0", again.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(0, (await TestFleet.CgptAsync(keelson, "m1", 4)).Priority);
        Assert.Equal((1, 0, 1), await TestFleet.CgptAsync(keelson, "m1", 3));
        var instance = await fleet.InstanceAsync("m1");
        Assert.Contains(instance.GetProperty("history").EnumerateArray(), h => h.GetProperty("errorCode") is { ValueKind: JsonValueKind.Number } code && code.GetInt64() == 18);
    }

    [Fact]
    public async Task A_corrupted_payload_is_refused_reported_as_an_error_event_and_the_machine_keeps_booting_A()
    {
        await using var keelson = new KeelsonProcess(log);
        var fleet = await TestFleet.StartAsync(keelson);
        await fleet.PublishAsync("1.1.0", channel: "alpha", corrupt: true);
        await fleet.CreateMachineAsync("m1", "alpha");

        var run = await keelson.SucceedAsync("machine", "run", "m1", "--check-interval", "1s", "--boots", "1", "--timeout", "60s");
        var again = await keelson.SucceedAsync("machine", "run", "m1", "--check-interval", "1s", "--boots", "1", "--timeout", "60s");

        Assert.Contains("The update to 1.1.0 failed", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("boot 2: USR-A runs 1.0.0", again.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(0, (await TestFleet.CgptAsync(keelson, "m1", 4)).Priority);
        var instance = await fleet.InstanceAsync("m1");
        Assert.Contains(instance.GetProperty("history").EnumerateArray(), h => h.GetProperty("status").GetString() == "Error");
    }

    [Fact]
    public async Task A_machine_moved_from_alpha_to_an_older_stable_stays_on_its_release()
    {
        await using var keelson = new KeelsonProcess(log);
        var fleet = await TestFleet.StartAsync(keelson);
        await fleet.PublishAsync("1.1.0", channel: "alpha");
        await keelson.SucceedAsync("channel", "set", "stable", "--version", "1.0.0");
        await fleet.CreateMachineAsync("m1", "alpha");
        await keelson.SucceedAsync("machine", "run", "m1", "--check-interval", "1s", "--until-version", "1.1.0", "--timeout", "120s");
        var conf = keelson.PathOf("m1/etc/coreos/update.conf");
        await File.WriteAllTextAsync(conf, (await File.ReadAllTextAsync(conf)).Replace("GROUP=alpha", "GROUP=stable", StringComparison.Ordinal));

        var run = await keelson.SucceedAsync("machine", "run", "m1", "--check-interval", "1s", "--boots", "1", "--timeout", "60s");

        Assert.Contains("boot 3: USR-B runs 1.1.0", run.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("Updating to", run.StandardOutput, StringComparison.Ordinal);
        Assert.Equal((2, 0, 1), await TestFleet.CgptAsync(keelson, "m1", 4));
        var instance = await fleet.InstanceAsync("m1");
        Assert.Equal("stable", instance.GetProperty("instance").GetProperty("track").GetString());
        Assert.Equal("1.1.0", instance.GetProperty("instance").GetProperty("version").GetString());
    }

    [Fact]
    public async Task Four_machines_against_one_server_all_update_and_the_server_counts_them_complete()
    {
        await using var keelson = new KeelsonProcess(log);
        var fleet = await TestFleet.StartAsync(keelson);
        await fleet.PublishAsync("1.1.0", channel: "alpha");
        var names = new[] { "m1", "m2", "m3", "m4" };
        foreach (var name in names)
        {
            await fleet.CreateMachineAsync(name, "alpha");
        }

        var runs = await Task.WhenAll(names.Select(name =>
            keelson.RunAsync(["machine", "run", name, "--check-interval", "1s", "--until-version", "1.1.0", "--timeout", "150s"], null, TimeSpan.FromSeconds(170))));

        Assert.All(runs, run => Assert.True(run.ExitCode == 0, run.ToString()));
        var instances = Json.Parse((await keelson.SucceedAsync("instance", "list", "--group", "alpha", "--json")).StandardOutput).GetProperty("items");
        Assert.Equal(4, instances.GetArrayLength());
        Assert.All(instances.EnumerateArray(), i =>
        {
            Assert.Equal("Complete", i.GetProperty("status").GetString());
            Assert.Equal("1.1.0", i.GetProperty("version").GetString());
        });
    }

    [Fact]
    public async Task Agent_mark_good_and_rollback_work_over_the_socket_and_the_rollback_is_reported_as_44()
    {
        await using var keelson = new KeelsonProcess(log);
        var fleet = await TestFleet.StartAsync(keelson);
        await fleet.PublishAsync("1.1.0", channel: "alpha");
        await fleet.CreateMachineAsync("m1", "alpha");
        await keelson.SucceedAsync("machine", "run", "m1", "--check-interval", "1s", "--until-version", "1.1.0", "--timeout", "120s");
        var stateDir = keelson.PathOf("m1/var/lib/keelson");

        var run = keelson.Start(["machine", "run", "m1", "--check-interval", "1s", "--boots", "2", "--timeout", "90s"]);
        await run.WaitForLineAsync(line => line.Contains("Reboot strategy:", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        var markGood = await keelson.SucceedAsync("agent", "mark-good", "--state-dir", stateDir);
        var rollback = await keelson.SucceedAsync("agent", "rollback", "--state-dir", stateDir);

        Assert.True(await run.WaitForExitAsync(TimeSpan.FromSeconds(100)), run.Describe());
        Assert.True(run.Result().ExitCode == 0, run.Describe());
        Assert.Contains("USR-B (1.1.0) marked good", markGood.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("rolling back: USR-A (1.0.0) boots next; rebooting", rollback.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("boot 3: USR-B runs 1.1.0", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("boot 4: USR-A runs 1.0.0", run.StandardOutput, StringComparison.Ordinal);
        Assert.Equal((2, 0, 1), await TestFleet.CgptAsync(keelson, "m1", 3));   // A on top again
        var instance = await fleet.InstanceAsync("m1");
        Assert.Equal(44, instance.GetProperty("instance").GetProperty("lastErrorCode").GetInt64());
        Assert.Equal("1.0.0", instance.GetProperty("instance").GetProperty("version").GetString());
    }

    [Fact]
    public async Task The_agent_daemon_refuses_a_bad_config_a_missing_file_and_a_host_without_AB_slots_with_clear_errors()
    {
        await using var keelson = new KeelsonProcess(log);
        await File.WriteAllTextAsync(keelson.PathOf("bad.conf"), "GROUP=alpha\nSERVER=http://127.0.0.1:1/v1/update/\nREBOOT_STRATEGY=sometimes\n");
        await File.WriteAllTextAsync(keelson.PathOf("good.conf"), "GROUP=alpha\nSERVER=disabled\n");

        var bad = await keelson.RunAsync("agent", "--config", "bad.conf", "--state-dir", "state");
        var missing = await keelson.RunAsync("agent", "--config", "nowhere.conf", "--state-dir", "state");
        var notAb = await keelson.RunAsync("agent", "--config", "good.conf", "--state-dir", "state");
        var badFlag = await keelson.RunAsync("agent", "--check-interval", "soon");

        Assert.True(bad.ExitCode == 1, bad.ToString());
        Assert.Contains("bad.conf:3: REBOOT_STRATEGY 'sometimes' is not one of", bad.StandardError, StringComparison.Ordinal);
        Assert.True(missing.ExitCode == 1, missing.ToString());
        Assert.Contains("nowhere.conf: no such file", missing.StandardError, StringComparison.Ordinal);
        // This test host boots no A/B usr partition: the daemon says so rather than guessing a disk.
        Assert.True(notAb.ExitCode == 1, notAb.ToString());
        Assert.Contains("the kernel command line names no usr partition", notAb.StandardError, StringComparison.Ordinal);
        Assert.True(badFlag.ExitCode == 2, badFlag.ToString());
        Assert.Contains("--check-interval 'soon'", badFlag.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Machine_create_refuses_a_used_directory_a_missing_image_and_a_bad_setting_and_leaves_nothing_behind()
    {
        await using var keelson = new KeelsonProcess(log);
        var fleet = await TestFleet.StartAsync(keelson);
        await fleet.CreateMachineAsync("m1", "alpha");
        var server = keelson.Server!.Url.ToString();

        var used = await keelson.RunAsync("machine", "create", "m1", "--image", fleet.Image("1.0.0"), "--server", server, "--pubkey", "sign.key.pub");
        var noImage = await keelson.RunAsync("machine", "create", "m2", "--image", "nowhere.ext4", "--server", server, "--pubkey", "sign.key.pub");
        var badSetting = await keelson.RunAsync("machine", "create", "m3", "--image", fleet.Image("1.0.0"), "--server", server, "--pubkey", "sign.key.pub",
            "--set", "KEELSON_REBOOT_TIMEZONE=Mars/Olympus", "--set", "KEELSON_REBOOT_WINDOWS=daily 04:00 1h");

        Assert.True(used.ExitCode == 1, used.ToString());
        Assert.Contains("already exists and is not empty", used.StandardError, StringComparison.Ordinal);
        Assert.True(noImage.ExitCode == 1, noImage.ToString());
        Assert.Contains("nowhere.ext4 does not exist", noImage.StandardError, StringComparison.Ordinal);
        Assert.True(badSetting.ExitCode == 1, badSetting.ToString());
        Assert.Contains("unknown time zone 'Mars/Olympus'", badSetting.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(keelson.PathOf("m2")));
        Assert.False(Directory.Exists(keelson.PathOf("m3")));
    }

    [Fact]
    public async Task SIGHUP_reloads_update_conf_a_bad_file_keeps_the_last_good_one_and_a_new_group_takes_effect()
    {
        await using var keelson = new KeelsonProcess(log);
        var fleet = await TestFleet.StartAsync(keelson);
        await fleet.PublishAsync("1.1.0", channel: "alpha");
        await fleet.CreateMachineAsync("m1", "beta");
        var conf = keelson.PathOf("m1/etc/coreos/update.conf");
        var good = await File.ReadAllTextAsync(conf);

        var run = keelson.Start(["machine", "run", "m1", "--check-interval", "1s", "--until-version", "1.1.0", "--timeout", "60s"]);
        await run.WaitForLineAsync(line => line.Contains("group beta", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        Assert.Contains("REBOOT_STRATEGY=reboot", good, StringComparison.Ordinal);
        await File.WriteAllTextAsync(conf, good
            .Replace("GROUP=beta", "GROUP=alpha", StringComparison.Ordinal)
            .Replace("REBOOT_STRATEGY=reboot", "REBOOT_STRATEGY=sometimes", StringComparison.Ordinal));
        await HangUpAsync(run);
        await run.WaitForLineAsync(line => line.Contains("Configuration not reloaded", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        await File.WriteAllTextAsync(conf, good.Replace("GROUP=beta", "GROUP=alpha", StringComparison.Ordinal));
        await HangUpAsync(run);

        Assert.True(await run.WaitForExitAsync(TimeSpan.FromSeconds(90)), run.Describe());
        Assert.True(run.Result().ExitCode == 0, run.Describe());
        Assert.Contains("REBOOT_STRATEGY 'sometimes' is not one of", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("Configuration reloaded: group alpha", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("boot 2: USR-B runs 1.1.0", run.StandardOutput, StringComparison.Ordinal);
    }

    private static Task HangUpAsync(RunningProcess process)
    {
        // Straight through libc: a minimal Debian has no kill(1) (procps) installed.
        Assert.True(kill(process.Id, SIGHUP) == 0, $"kill({process.Id}, SIGHUP) failed");
        return Task.CompletedTask;
    }

    private const int SIGHUP = 1;

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    [Fact]
    public async Task With_the_agent_stopped_status_shows_the_status_it_saved_last_says_since_when_and_exits_1_with_none()
    {
        await using var keelson = new KeelsonProcess(log);
        var fleet = await TestFleet.StartAsync(keelson);
        await fleet.PublishAsync("1.1.0", channel: "alpha");
        await fleet.CreateMachineAsync("m1", "alpha");
        var stateDir = keelson.PathOf("m1/var/lib/keelson");

        var none = await keelson.RunAsync("agent", "status", "--state-dir", stateDir);
        await keelson.SucceedAsync("machine", "run", "m1", "--check-interval", "1s", "--until-version", "1.1.0", "--timeout", "60s");
        var status = await keelson.SucceedAsync("agent", "status", "--state-dir", stateDir);
        var json = Json.Parse((await keelson.SucceedAsync("agent", "status", "--state-dir", stateDir, "--json")).StandardOutput);

        Assert.Equal(1, none.ExitCode);
        Assert.Equal(
            $"error: the agent is not running (nothing listens at {stateDir}/agent.sock) and has saved no status: there is no {stateDir}/status\n",
            none.StandardError);
        const string HumanTime = @"\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ \((just now|\d+s ago|\d+m( \d+s)? ago)\)";
        Assert.Matches($"^the agent is not running since {HumanTime}; this is the status it saved last, in {Regex.Escape(stateDir)}/status\n$", status.StandardError);
        // update_engine_client's lines as it prints them, then Keelson's with times for a person.
        Assert.Matches("^LAST_CHECKED_TIME=[1-9][0-9]+\nPROGRESS=", status.StandardOutput);
        Assert.Matches($"\nKEELSON_AGENT=not running since {HumanTime}\nKEELSON_LAST_CHECKED={HumanTime}\n", status.StandardOutput);
        Assert.Matches($"\nKEELSON_STOPPED={HumanTime}\n", status.StandardOutput);
        Assert.Contains("KEELSON_RUNNING_VERSION=1.1.0\n", status.StandardOutput, StringComparison.Ordinal);
        Assert.False(json.GetProperty("running").GetBoolean());
        var stoppedAt = json.GetProperty("stoppedAt").GetDateTimeOffset();
        Assert.Equal(stoppedAt.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), json.GetProperty("details").GetProperty("STOPPED").GetString());
        Assert.InRange(DateTimeOffset.UtcNow - stoppedAt, TimeSpan.Zero, TimeSpan.FromMinutes(5));
        Assert.True(json.GetProperty("lastChecked").GetDateTimeOffset() <= stoppedAt);
        Assert.Equal($"{stateDir}/status", json.GetProperty("statusFile").GetString());
    }

    [Fact]
    public async Task With_REBOOT_STRATEGY_off_the_update_waits_on_B_and_the_agent_answers_status_and_check_on_its_socket()
    {
        await using var keelson = new KeelsonProcess(log);
        var fleet = await TestFleet.StartAsync(keelson);
        await fleet.PublishAsync("1.1.0", channel: "alpha");
        await fleet.CreateMachineAsync("m1", "alpha", "--reboot-strategy", "off");
        var stateDir = keelson.PathOf("m1/var/lib/keelson");

        var run = keelson.Start(["machine", "run", "m1", "--check-interval", "1s", "--boots", "2", "--timeout", "60s"]);
        await run.WaitForLineAsync(line => line.Contains("the update waits on the passive slot", StringComparison.Ordinal), s_runTimeout);
        var status = await keelson.SucceedAsync("agent", "status", "--state-dir", stateDir);
        var check = await keelson.SucceedAsync("agent", "check", "--state-dir", stateDir);
        var badCommand = await keelson.RunAsync("agent", "status", "--state-dir", keelson.PathOf("nowhere"));
        run.Kill();

        Assert.Contains("CURRENT_OP=UPDATE_STATUS_UPDATED_NEED_REBOOT\n", status.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("NEW_VERSION=1.1.0\n", status.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("PROGRESS=1.000000\n", status.StandardOutput, StringComparison.Ordinal);
        Assert.Matches("LAST_CHECKED_TIME=[1-9][0-9]+\n", status.StandardOutput);
        Assert.Contains("KEELSON_REBOOT_STRATEGY=off", status.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("not checking now: the agent is busy (UPDATE_STATUS_UPDATED_NEED_REBOOT 1.1.0)", check.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(1, badCommand.ExitCode);
        Assert.Contains("the agent is not running", badCommand.StandardError, StringComparison.Ordinal);
        // Installed and waiting: B is the next boot (one try, top priority), A is still what runs.
        Assert.Equal((2, 1, 0), await TestFleet.CgptAsync(keelson, "m1", 4));
        Assert.Equal((1, 0, 1), await TestFleet.CgptAsync(keelson, "m1", 3));
    }
}
