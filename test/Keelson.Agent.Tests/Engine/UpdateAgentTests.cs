using System.Security.Cryptography;
using Keelson.Agent.Engine;
using Keelson.Agent.State;
using Keelson.Disks;
using Keelson.Disks.Boot;
using Keelson.IntegrationTests.Harness;
using Keelson.Omaha;
using Keelson.Payloads;

namespace Keelson.Agent.Tests.Engine;

/// <summary>
/// The engine end to end on one machine: a real update service, a real GPT disk with real ext4 slots and signed
/// payloads, a fake clock, and a fake host (and boot backend, where a failure must be made to happen).
/// </summary>
public sealed class UpdateAgentTests : IAsyncLifetime
{
    private static readonly SlotBootState s_aGood = new(UsrSlotName.A, 1, 0, true);
    private static readonly SlotBootState s_aOnTrial = new(UsrSlotName.A, 2, 0, false);
    private static readonly SlotBootState s_bGood = new(UsrSlotName.B, 1, 0, true);
    private static readonly SlotBootState s_bEmpty = new(UsrSlotName.B, 0, 0, false);

    private EngineWorld _world = null!;

    public async Task InitializeAsync() => _world = await EngineWorld.CreateAsync();

    public async Task DisposeAsync() => await _world.DisposeAsync();

    // ---- The happy path -----------------------------------------------------------------------------------------

    [Fact]
    public async Task State_machine_happy_path_checks_downloads_installs_into_B_and_reboots_into_it()
    {
        await _world.PublishAsync("1.1.0");
        _world.Start();

        await _world.FirstCheckAsync();
        await _world.WaitForAsync(s => s is EngineState.Rebooting, "rebooting");

        Assert.Equal(AgentExit.Rebooting, await _world.Run);
        Assert.Equal(["starting", "idle", "checking", "downloading", "installing", "update-installed", "rebooting"], _world.Log.States());
        Assert.Equal(["firmware B"], _world.Host.RebootsSoFar());
        var (a, b) = (await _world.GptSlotAsync(UsrSlotName.A), await _world.GptSlotAsync(UsrSlotName.B));
        Assert.Equal((1, false), (b.Tries, b.Successful));
        Assert.True(b.Priority > a.Priority);
        var status = _world.Agent.Status;
        Assert.Equal((Keelson.Agent.Status.UpdateStatus.UpdatedNeedReboot, "1.1.0", 1.0), (status.CurrentOperation, status.NewVersion, status.Progress));
        Assert.Equal("rebooting: the update to 1.1.0 is installed in USR-B", _world.Detail("REBOOT"));
        Assert.Equal("rebooting", _world.Detail("STATE"));
        Assert.Equal("", _world.Detail("ERROR_CODE"));
        Assert.Contains(_world.Log.Lines, l => l == "Installing 1.1.0 into USR-B");
        Assert.Contains(_world.Log.Lines, l => l == "Installed 1.1.0 into USR-B");
        var history = (await _world.InstanceAsync()).History.Select(h => h.Status).ToList();
        Assert.Contains("Downloading", history);
        Assert.Contains("Installed", history);
        Assert.Equal("1.1.0", new AgentStateStore(_world.Machine.StateDirectory).Load().Installed!.Version);
    }

    [Fact]
    public async Task An_interrupted_download_resumes_where_it_stopped()
    {
        var bytes = await _world.PublishAsync("1.1.0");
        var store = new AgentStateStore(_world.Machine.StateDirectory);
        await File.WriteAllBytesAsync(store.PayloadPath, bytes[..(bytes.Length / 2)]);
        store.Save(AgentState.Empty with { Download = new DownloadRecord("1.1.0", Convert.ToBase64String(SHA256.HashData(bytes)), bytes.Length) });
        _world.Start();

        await _world.FirstCheckAsync();
        await _world.WaitForAsync(s => s is EngineState.Rebooting, "rebooting");

        Assert.Equal(AgentExit.Rebooting, await _world.Run);
        Assert.Contains($"Resuming the download of 1.1.0 at byte {bytes.Length / 2} of {bytes.Length}", _world.Log.Lines);
        Assert.Equal(["firmware B"], _world.Host.RebootsSoFar());
        Assert.False(File.Exists(store.PayloadPath));
    }

    // ---- After a boot -------------------------------------------------------------------------------------------

    [Fact]
    public async Task A_trial_boot_that_passes_its_health_checks_is_marked_good_and_goes_idle()
    {
        _world.Backend = new FakeBootBackend { State = new BootState(s_aOnTrial, s_bGood) };
        _world.Start(healthCheckDelay: TimeSpan.FromSeconds(45));

        await _world.WaitForAsync(s => s is EngineState.BootPendingVerdict, "a pending verdict");
        var pending = _world.Detail("BOOT");
        await _world.AdvanceUntilAsync(s => s is EngineState.Idle, "idle", TimeSpan.FromSeconds(15));

        Assert.Equal("trial boot of USR-A (1.0.0): health checks in 45 s", pending);
        Assert.Equal(["good A"], _world.Backend.Calls);
        Assert.True(await _world.Agent.BootSettled);
        Assert.Equal("USR-A (1.0.0) is marked good", _world.Detail("BOOT"));
        Assert.Empty(_world.Host.RebootsSoFar());
    }

    [Fact]
    public async Task A_trial_boot_that_fails_its_health_checks_reports_1001_and_falls_back_to_the_other_slot()
    {
        _world.Backend = new FakeBootBackend { State = new BootState(s_aOnTrial, s_bGood) };
        _world.Host.HealthFailures.Add("the web server does not answer");
        _world.Start();

        Assert.Equal(AgentExit.Rebooting, await _world.Run.WaitAsync(TimeSpan.FromSeconds(60)));

        Assert.False(await _world.Agent.BootSettled);
        Assert.Equal(["starting", "boot-pending-verdict", "rebooting"], _world.Log.States());
        Assert.Equal(new EngineState.Rebooting(UsrSlotName.B, RebootCause.Unhealthy("1.0.0")), _world.Agent.State);
        Assert.Equal(["firmware B"], _world.Host.RebootsSoFar());
        Assert.Empty(_world.Backend.Calls);
        Assert.Equal("1001", _world.Detail("ERROR_CODE"));
        Assert.Equal("USR-A (1.0.0) failed its health checks: the web server does not answer", _world.Detail("LAST_ERROR"));
        Assert.Contains("1.0.0", new AgentStateStore(_world.Machine.StateDirectory).Load().RolledBack);
    }

    [Fact]
    public async Task An_unhealthy_boot_with_no_slot_to_fall_back_to_stays_up_and_says_so()
    {
        _world.Backend = new FakeBootBackend { State = new BootState(s_aOnTrial, s_bEmpty) };
        _world.Host.HealthFailures.Add("no network");
        _world.Start();

        await _world.WaitForAsync(s => s is EngineState.Idle, "idle");

        Assert.False(await _world.Agent.BootSettled);
        Assert.Empty(_world.Host.RebootsSoFar());
        Assert.Equal("USR-A (1.0.0) failed its health checks: no network; USR-B cannot be booted either, so the machine stays on USR-A", _world.Detail("BOOT"));
        Assert.Contains("No slot to fall back to: USR-B is not bootable; staying on the unhealthy boot", _world.Log.Lines);
    }

    // ---- Failures of an update ----------------------------------------------------------------------------------

    [Fact]
    public async Task A_failed_check_is_logged_with_its_code_answered_with_exit_1_and_tried_again_later()
    {
        await _world.ConfigureAsync($"SERVER=http://127.0.0.1:{LoopbackPorts.Next()}/v1/update/");
        _world.Start();
        await _world.WaitForAsync(s => s is EngineState.Idle, "idle");

        var reply = await _world.Agent.HandleCommandAsync("check", CancellationToken.None);

        Assert.Equal(1, reply.ExitCode);
        Assert.StartsWith("the update check failed: cannot reach the update server at ", reply.Text, StringComparison.Ordinal);
        var idle = Assert.IsType<EngineState.Idle>(await _world.WaitForAsync(s => s is EngineState.Idle, "idle again"));
        Assert.True(idle.NextCheck > _world.Time.GetUtcNow() + TimeSpan.FromMinutes(45), "a failed check backs off");
        Assert.Equal(OmahaErrorCodes.TransferErrorBase.ToString(System.Globalization.CultureInfo.InvariantCulture), _world.Detail("ERROR_CODE"));
        Assert.NotEqual(0, _world.Agent.Status.LastChecked?.ToUnixTimeSeconds() ?? 0);
    }

    [Fact]
    public async Task With_KEELSON_METRICS_LISTEN_the_agent_serves_its_state_last_check_boot_and_errors_by_code_to_Prometheus()
    {
        var port = LoopbackPorts.Next();
        await _world.ConfigureAsync($"SERVER=http://127.0.0.1:{LoopbackPorts.Next()}/v1/update/", $"KEELSON_METRICS_LISTEN=127.0.0.1:{port}");
        _world.Start();
        await _world.WaitForAsync(s => s is EngineState.Idle, "idle");
        Assert.Equal(1, (await _world.Agent.HandleCommandAsync("check", CancellationToken.None)).ExitCode);
        await _world.WaitForAsync(s => s is EngineState.Idle, "idle again");

        using var http = new HttpClient();
        var text = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
        var samples = text.Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        string Value(string series) => (samples.SingleOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal))
            ?? throw new Xunit.Sdk.XunitException($"no {series} in:\n{text}"))[(series.Length + 1)..];

        Assert.Equal("1", Value("keelson_agent_errors_total{code=\"transfer_error\"}"));
        Assert.Equal("1", Value("keelson_agent_state{state=\"idle\"}"));
        Assert.Equal("0", Value("keelson_agent_state{state=\"checking\"}"));
        Assert.Equal(11, samples.Count(l => l.StartsWith("keelson_agent_state{", StringComparison.Ordinal)));
        Assert.Equal("1", Value("keelson_agent_boot_info{slot=\"USR-A\",version=\"1.0.0\"}"));
        Assert.Equal((double)_world.Agent.Status.LastChecked!.Value.ToUnixTimeMilliseconds() / 1000,
            double.Parse(Value("keelson_agent_last_check_timestamp_seconds{}"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains("# HELP keelson_agent_errors_total Update failures the agent recorded, by error code", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE keelson_agent_state gauge", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_download_that_fails_is_reported_with_its_transfer_code_and_the_engine_goes_idle()
    {
        var nowhere = new Uri($"http://127.0.0.1:{LoopbackPorts.Next()}/payloads/1.1.0.kpay");
        await _world.PublishExternalAsync("1.1.0", nowhere, 4096);
        _world.Start();

        await _world.FirstCheckAsync();
        await _world.WaitForAsync(s => s is EngineState.Idle, "idle after the failure");

        Assert.Equal(["starting", "idle", "checking", "downloading", "reporting-error", "idle"], _world.Log.States());
        Assert.StartsWith("the update to 1.1.0 failed: cannot download " + nowhere, _world.Detail("LAST_ERROR"), StringComparison.Ordinal);
        Assert.Equal(OmahaErrorCodes.TransferErrorBase, (await _world.InstanceAsync()).Instance.LastErrorCode);
        Assert.Empty(_world.Host.RebootsSoFar());
    }

    [Fact]
    public async Task A_payload_signed_by_an_unknown_key_is_refused_with_code_18_and_the_passive_slot_stays_unbootable()
    {
        using var stranger = PayloadSigningKey.Generate();
        await _world.PublishAsync("1.1.0", key: stranger);
        _world.Start();

        await _world.FirstCheckAsync();
        await _world.WaitForAsync(s => s is EngineState.Idle, "idle after the failure");

        Assert.Equal(OmahaErrorCodes.DownloadPayloadPubKeyVerificationError, (await _world.InstanceAsync()).Instance.LastErrorCode);
        Assert.Equal("18", _world.Detail("ERROR_CODE"));
        var b = await _world.GptSlotAsync(UsrSlotName.B);
        Assert.Equal((0, 0, false), (b.Priority, b.Tries, b.Successful));
        Assert.False(File.Exists(new AgentStateStore(_world.Machine.StateDirectory).PayloadPath));
        Assert.Null(new AgentStateStore(_world.Machine.StateDirectory).Load().Download);
    }

    [Fact]
    public async Task A_payload_holding_another_version_than_offered_is_refused_with_code_15_and_never_made_bootable()
    {
        await _world.PublishAsync("1.1.0", imageVersion: "1.2.0");
        _world.Backend = new FakeBootBackend { State = new BootState(s_aGood, s_bEmpty) };
        _world.Start();

        await _world.FirstCheckAsync();
        await _world.WaitForAsync(s => s is EngineState.Idle, "idle after the failure");

        Assert.Equal(OmahaErrorCodes.NewRootfsVerificationError, (await _world.InstanceAsync()).Instance.LastErrorCode);
        Assert.Equal(["disable B"], _world.Backend.Calls);
        Assert.Contains("the payload holds version 1.2.0, but the server offered 1.1.0; USR-B stays unbootable", _world.Detail("LAST_ERROR"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("disable", OmahaErrorCodes.InstallDeviceOpenError)]
    [InlineData("installed", OmahaErrorCodes.PostinstallRunnerError)]
    public async Task A_boot_state_write_that_fails_during_the_install_is_reported_with_its_own_code(string failing, long code)
    {
        await _world.PublishAsync("1.1.0");
        _world.Backend = new FakeBootBackend { State = new BootState(s_aGood, s_bEmpty), FailOn = failing };
        _world.Start();

        await _world.FirstCheckAsync();
        await _world.WaitForAsync(s => s is EngineState.Idle, "idle after the failure");

        Assert.Equal(code, (await _world.InstanceAsync()).Instance.LastErrorCode);
        Assert.Equal(code.ToString(System.Globalization.CultureInfo.InvariantCulture), _world.Detail("ERROR_CODE"));
        Assert.Contains("input/output error", _world.Detail("LAST_ERROR"), StringComparison.Ordinal);
        Assert.Empty(_world.Host.RebootsSoFar());
    }

    // ---- Backends that load the kernel from the ESP -------------------------------------------------------------

    [Fact]
    public async Task A_backend_that_needs_the_kernel_gets_the_new_slots_kernel_and_initrd_byte_for_byte_and_the_base_command_line()
    {
        await _world.PublishAsync("1.1.0", withKernel: true);
        _world.Backend = new FakeBootBackend { State = new BootState(s_aGood, s_bEmpty), NeedsKernel = true };
        _world.Start();

        await _world.FirstCheckAsync();
        await _world.WaitForAsync(s => s is EngineState.Rebooting, "rebooting");

        Assert.Equal(["disable B", "installed B"], _world.Backend.Calls);
        var kernel = _world.Backend.InstalledKernel!;
        Assert.Equal(("1.1.0", "BOOT_IMAGE=/keelson/A/vmlinuz console=ttyS0 rootflags=rw"), (kernel.Version, kernel.CommandLine));
        Assert.Equal(TestUsrImages.Kernel("1.1.0"), _world.Backend.InstalledKernelBytes);
        Assert.Equal(TestUsrImages.Initrd("1.1.0"), await File.ReadAllBytesAsync(kernel.InitrdPath!));
        Assert.StartsWith(_world.Machine.StateDirectory, kernel.KernelPath, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_slot_without_a_kernel_is_refused_with_code_16_when_the_backend_needs_one()
    {
        await _world.PublishAsync("1.1.0");
        _world.Backend = new FakeBootBackend { State = new BootState(s_aGood, s_bEmpty), NeedsKernel = true };
        _world.Start();

        await _world.FirstCheckAsync();
        await _world.WaitForAsync(s => s is EngineState.Idle, "idle after the failure");

        Assert.Equal(OmahaErrorCodes.NewKernelVerificationError, (await _world.InstanceAsync()).Instance.LastErrorCode);
        Assert.Equal(["disable B"], _world.Backend.Calls);
        Assert.Equal(s_bEmpty, _world.Backend.State.B);
    }

    // ---- Rebooting ----------------------------------------------------------------------------------------------

    [Fact]
    public async Task An_unavailable_reboot_lock_keeps_the_update_waiting_and_commands_are_answered_meanwhile()
    {
        await _world.ConfigureAsync("REBOOT_STRATEGY=etcd-lock", $"LOCKSMITHD_ENDPOINT=http://127.0.0.1:{LoopbackPorts.Next()}");
        await _world.PublishAsync("1.1.0");
        _world.Start();

        await _world.FirstCheckAsync();
        var waiting = Assert.IsType<EngineState.WaitingForReboot>(await _world.WaitForAsync(s => s is EngineState.WaitingForReboot, "waiting for the lock"));
        var check = await _world.Agent.HandleCommandAsync("check", CancellationToken.None);
        var rollback = await _world.Agent.HandleCommandAsync("rollback", CancellationToken.None);
        var markGood = await _world.Agent.HandleCommandAsync("mark-good", CancellationToken.None);

        Assert.StartsWith("waiting for the reboot lock, which cannot be taken now", waiting.Wait.Reason, StringComparison.Ordinal);
        Assert.Equal(new(0, "not checking now: the agent is busy (UPDATE_STATUS_UPDATED_NEED_REBOOT 1.1.0)\n"), check);
        Assert.Equal(1, rollback.ExitCode);
        Assert.Contains("the update to 1.1.0 is installed in USR-B and boots next", rollback.Text, StringComparison.Ordinal);
        Assert.Equal(new(0, "USR-A (1.0.0) marked good: successful, top priority\n"), markGood);
        Assert.IsType<EngineState.WaitingForReboot>(_world.Agent.State);
        Assert.Empty(_world.Host.RebootsSoFar());
        Assert.StartsWith("waiting for the reboot lock", _world.Detail("REBOOT"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reboot_command_that_fails_is_reported_with_code_1002_and_tried_again_a_minute_later()
    {
        await _world.PublishAsync("1.1.0");
        _world.Host.FailingReboots = 1;
        _world.Start();

        await _world.FirstCheckAsync();
        var failed = Assert.IsType<EngineState.RebootFailed>(await _world.WaitForAsync(s => s is EngineState.RebootFailed, "a failed reboot"));
        var code = _world.Detail("ERROR_CODE");
        await _world.AdvanceUntilAsync(_ => _world.Run.IsCompleted, "the reboot tried again", TimeSpan.FromSeconds(20));

        Assert.Equal(OmahaErrorCodes.RebootFailed, failed.Failure.Code);
        Assert.Equal("1002", code);
        Assert.Equal(AgentExit.Rebooting, await _world.Run);
        Assert.Equal(["failed firmware B", "firmware B"], _world.Host.RebootsSoFar());
        Assert.Equal(["rebooting", "reboot-failed", "rebooting"], _world.Log.States().TakeLast(3));
    }

    [Fact]
    public async Task With_kexec_the_try_is_counted_first_and_the_new_kernel_started_without_the_firmware()
    {
        await _world.ConfigureAsync("KEELSON_REBOOT_METHOD=kexec");
        await _world.PublishAsync("1.1.0", withKernel: true);
        var target = new KexecTarget("/boot/keelson/B/vmlinuz", "/boot/keelson/B/initrd", "console=ttyS0 mount.usr=PARTUUID=9aa0b4c1-5d3e-4f2a-8c6b-1e2d3f4a5b6c");
        _world.Backend = new FakeBootBackend { State = new BootState(s_aGood, s_bEmpty), NeedsKernel = true, KexecTarget = target };
        _world.Start();

        await _world.FirstCheckAsync();
        await _world.WaitForAsync(s => s is EngineState.Rebooting, "rebooting");

        Assert.Equal(AgentExit.Rebooting, await _world.Run);
        Assert.Equal(["disable B", "installed B", "count B"], _world.Backend.Calls);
        Assert.Equal(["kexec /boot/keelson/B/vmlinuz"], _world.Host.RebootsSoFar());
        Assert.Equal(target, _world.Host.Kexec);
        Assert.Equal(0, _world.Backend.State.B.TriesLeft);
    }

    [Fact]
    public async Task With_kexec_but_a_backend_that_does_not_know_the_kernel_the_firmware_reboots()
    {
        await _world.ConfigureAsync("KEELSON_REBOOT_METHOD=kexec");
        await _world.PublishAsync("1.1.0");
        _world.Backend = new FakeBootBackend { State = new BootState(s_aGood, s_bEmpty) };
        _world.Start();

        await _world.FirstCheckAsync();
        await _world.WaitForAsync(s => s is EngineState.Rebooting, "rebooting");

        Assert.Equal(AgentExit.Rebooting, await _world.Run);
        Assert.Equal(["firmware B"], _world.Host.RebootsSoFar());
        Assert.Contains("Not rebooting into USR-B with kexec: the grub-env boot backend does not know USR-B's kernel; rebooting through the firmware", _world.Log.Lines);
    }

    [Fact]
    public async Task With_kexec_failing_to_load_the_try_is_given_back_and_the_firmware_reboots()
    {
        await _world.ConfigureAsync("KEELSON_REBOOT_METHOD=kexec");
        await _world.PublishAsync("1.1.0", withKernel: true);
        _world.Backend = new FakeBootBackend
        {
            State = new BootState(s_aGood, s_bEmpty),
            NeedsKernel = true,
            KexecTarget = new KexecTarget("/boot/keelson/B/vmlinuz", null, "mount.usr=PARTUUID=9aa0b4c1-5d3e-4f2a-8c6b-1e2d3f4a5b6c"),
        };
        _world.Host.KexecFails = true;
        _world.Start();

        await _world.FirstCheckAsync();
        await _world.WaitForAsync(s => s is EngineState.Rebooting, "rebooting");

        Assert.Equal(AgentExit.Rebooting, await _world.Run);
        Assert.Equal(["disable B", "installed B", "count B", "prioritize B"], _world.Backend.Calls);
        Assert.Equal((1, false), (_world.Backend.State.B.TriesLeft, _world.Backend.State.B.Good));
        Assert.Equal(["failed kexec /boot/keelson/B/vmlinuz", "firmware B"], _world.Host.RebootsSoFar());
        Assert.Equal("1003", _world.Detail("ERROR_CODE"));
    }

    // ---- Commands -----------------------------------------------------------------------------------------------

    [Fact]
    public async Task Check_by_hand_in_idle_runs_a_check_at_once_and_answers_with_its_outcome()
    {
        _world.Start();
        await _world.WaitForAsync(s => s is EngineState.Idle, "idle");

        var reply = await _world.Agent.HandleCommandAsync("check", CancellationToken.None);

        Assert.Equal(new(0, "no update: 1.0.0 is current for group alpha\n"), reply);
        Assert.Equal(["starting", "idle", "checking", "idle"], _world.Log.States());
    }

    [Fact]
    public async Task Check_by_hand_with_checking_disabled_fails_and_the_other_commands_still_work()
    {
        await _world.ConfigureAsync("SERVER=disabled");
        _world.Start();
        await _world.WaitForAsync(s => s is EngineState.Idle, "idle");

        var check = await _world.Agent.HandleCommandAsync("check", CancellationToken.None);
        var markGood = await _world.Agent.HandleCommandAsync("mark-good", CancellationToken.None);
        var unknown = await _world.Agent.HandleCommandAsync("reboot-now", CancellationToken.None);
        var status = await _world.Agent.HandleCommandAsync("status", CancellationToken.None);

        Assert.Equal(new(1, "checking is disabled (SERVER=disabled)\n"), check);
        Assert.Equal(0, markGood.ExitCode);
        Assert.Equal("USR-A (1.0.0) was marked good by hand", _world.Detail("BOOT"));
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("CURRENT_OP=UPDATE_STATUS_IDLE\n", status.Text, StringComparison.Ordinal);
        Assert.Contains("KEELSON_NEXT_CHECK=\n", status.Text, StringComparison.Ordinal);
        Assert.Equal(new EngineState.Idle(null), _world.Agent.State);
    }

    [Fact]
    public async Task Mark_good_while_the_boot_waits_for_its_verdict_settles_it_without_the_health_checks()
    {
        _world.Backend = new FakeBootBackend { State = new BootState(s_aOnTrial, s_bGood) };
        _world.Host.HealthFailures.Add("would fail if it ran");
        _world.Start(healthCheckDelay: TimeSpan.FromMinutes(5));
        await _world.WaitForAsync(s => s is EngineState.BootPendingVerdict, "a pending verdict");

        var check = await _world.Agent.HandleCommandAsync("check", CancellationToken.None);
        var markGood = await _world.Agent.HandleCommandAsync("mark-good", CancellationToken.None);
        await _world.WaitForAsync(s => s is EngineState.Idle, "idle");
        _world.Time.Advance(TimeSpan.FromMinutes(10));

        Assert.Equal(new(0, "not checking now: the boot of 1.0.0 waits for its health checks\n"), check);
        Assert.Equal(new(0, "USR-A (1.0.0) marked good: successful, top priority\n"), markGood);
        Assert.True(await _world.Agent.BootSettled);
        Assert.Equal("USR-A (1.0.0) was marked good by hand", _world.Detail("BOOT"));
        Assert.Equal(["good A"], _world.Backend.Calls);
        Assert.Empty(_world.Host.RebootsSoFar());
    }

    [Fact]
    public async Task Rollback_while_the_boot_waits_for_its_verdict_reboots_into_the_other_slot()
    {
        _world.Backend = new FakeBootBackend { State = new BootState(s_aOnTrial, s_bGood) };
        _world.Start(healthCheckDelay: TimeSpan.FromMinutes(5));
        await _world.WaitForAsync(s => s is EngineState.BootPendingVerdict, "a pending verdict");

        var reply = await _world.Agent.HandleCommandAsync("rollback", CancellationToken.None);

        Assert.Equal(AgentExit.Rebooting, await _world.Run.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(new(0, "rolling back: USR-B boots next; rebooting\n"), reply);
        Assert.Equal(["prioritize B"], _world.Backend.Calls);
        Assert.Equal(new EngineState.Rebooting(UsrSlotName.B, RebootCause.ByHand), _world.Agent.State);
        Assert.Equal(["firmware B"], _world.Host.RebootsSoFar());
        Assert.Equal("rebooting: rolling back to USR-B by hand", _world.Detail("REBOOT"));
    }

    [Fact]
    public async Task Rollback_in_idle_makes_the_other_slot_boot_next_remembers_the_rollback_and_reboots()
    {
        _world.Backend = new FakeBootBackend { State = new BootState(s_aGood with { Priority = 2 }, s_bGood) };
        _world.Start();
        await _world.WaitForAsync(s => s is EngineState.Idle, "idle");

        var reply = await _world.Agent.HandleCommandAsync("rollback", CancellationToken.None);

        Assert.Equal(AgentExit.Rebooting, await _world.Run.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, reply.ExitCode);
        Assert.Equal(UsrSlotName.B, _world.Backend.State.Next!.Slot);
        Assert.Equal(["firmware B"], _world.Host.RebootsSoFar());
        Assert.Contains("1.0.0", new AgentStateStore(_world.Machine.StateDirectory).Load().RolledBack);
    }

    [Fact]
    public async Task Rollback_with_nothing_in_the_other_slot_is_refused_and_changes_nothing()
    {
        _world.Start();
        await _world.WaitForAsync(s => s is EngineState.Idle, "idle");

        var reply = await _world.Agent.HandleCommandAsync("rollback", CancellationToken.None);

        Assert.Equal(new(1, "USR-B holds no bootable system (priority 0, never marked good): nothing to roll back to\n"), reply);
        Assert.IsType<EngineState.Idle>(_world.Agent.State);
        Assert.Empty(_world.Host.RebootsSoFar());
        Assert.Equal(0, (await _world.GptSlotAsync(UsrSlotName.B)).Priority);
    }

    [Fact]
    public async Task A_rollback_by_hand_reboots_with_kexec_too_when_configured()
    {
        await _world.ConfigureAsync("KEELSON_REBOOT_METHOD=kexec");
        var target = new KexecTarget("/boot/keelson/B/vmlinuz", "/boot/keelson/B/initrd", "mount.usr=PARTUUID=9aa0b4c1-5d3e-4f2a-8c6b-1e2d3f4a5b6c");
        _world.Backend = new FakeBootBackend { State = new BootState(s_aGood with { Priority = 2 }, s_bGood), KexecTarget = target };
        _world.Start();
        await _world.WaitForAsync(s => s is EngineState.Idle, "idle");

        var reply = await _world.Agent.HandleCommandAsync("rollback", CancellationToken.None);

        Assert.Equal(AgentExit.Rebooting, await _world.Run.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, reply.ExitCode);
        Assert.Equal(["prioritize B", "count B"], _world.Backend.Calls);
        Assert.Equal(["kexec /boot/keelson/B/vmlinuz"], _world.Host.RebootsSoFar());
    }

    [Fact]
    public async Task A_reload_while_the_update_waits_asks_the_new_strategy_which_may_reboot_at_once()
    {
        await _world.ConfigureAsync("REBOOT_STRATEGY=off");
        await _world.PublishAsync("1.1.0");
        _world.Start();
        await _world.FirstCheckAsync();
        var waiting = Assert.IsType<EngineState.WaitingForReboot>(await _world.WaitForAsync(s => s is EngineState.WaitingForReboot, "waiting"));

        await _world.ConfigureAsync("REBOOT_STRATEGY=reboot", "GROUP=beta");
        _world.Agent.Reload();

        Assert.Equal(AgentExit.Rebooting, await _world.Run.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.StartsWith("REBOOT_STRATEGY=off", waiting.Wait.Reason, StringComparison.Ordinal);
        Assert.Contains("Configuration reloaded: group beta, server " + _world.OmahaUrl + ", reboot strategy reboot", _world.Log.Lines);
        Assert.Equal(["firmware B"], _world.Host.RebootsSoFar());
        Assert.Equal(["waiting-for-reboot", "update-installed", "rebooting"], _world.Log.States().TakeLast(3));
    }

    [Fact]
    public async Task A_bad_reload_keeps_the_last_good_configuration_and_the_engine_where_it_was()
    {
        _world.Start();
        await _world.WaitForAsync(s => s is EngineState.Idle, "idle");

        await _world.ConfigureAsync("KEELSON_BOOT_BACKEND=lilo");
        _world.Agent.Reload();
        var check = await _world.Agent.HandleCommandAsync("check", CancellationToken.None);

        Assert.Contains(_world.Log.Lines, l => l.StartsWith("Configuration not reloaded, keeping the last good one: ", StringComparison.Ordinal)
            && l.EndsWith("KEELSON_BOOT_BACKEND 'lilo' is not one of gptprio, grub-env, systemd-boot", StringComparison.Ordinal));
        Assert.Equal(new(0, "no update: 1.0.0 is current for group alpha\n"), check);
        Assert.Equal("gptprio", _world.Detail("BOOT_BACKEND"));
        Assert.IsType<EngineState.Idle>(_world.Agent.State);
    }
}
