using Keelson.IntegrationTests.Harness;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Keelson.IntegrationTests;

/// <summary>
/// keelson-agent, the agent published with NativeAOT, is the same daemon as <c>keelson agent</c>: each runs on a disk
/// image made by <c>keelson disk</c>, reading the machine's files from a temp <c>--root</c>, and must behave alike.
/// </summary>
public sealed class AgentDaemonTests(AgentBuild build, ITestOutputHelper log) : IClassFixture<AgentBuild>
{
    public const string Native = "keelson-agent";
    public const string Cli = "keelson agent";

    private const int SIGTERM = 15;
    private static readonly TimeSpan s_statusTimeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(Native)]
    [InlineData(Cli)]
    public async Task The_daemon_answers_on_its_socket_marks_the_trial_boot_good_and_stops_on_SIGTERM_with_exit_0(string daemon)
    {
        await using var keelson = new KeelsonProcess(log);
        await MakeMachineOnTrialAsync(keelson);
        var agent = Daemon(keelson, daemon);

        var run = agent.Start(["--config", "update.conf", "--disk", "disk.img", "--root", "root", "--state-dir", "state", "--health-delay", "10m"]);
        var trial = await WaitForStatusAsync(agent, run, "KEELSON_BOOT=trial boot of USR-B (1.1.0): health checks in 600 s\n");
        var markGood = await agent.Run(["mark-good", "--state-dir", "state"]);
        Assert.True(kill(run.Id, SIGTERM) == 0, $"kill({run.Id}, SIGTERM) failed");
        Assert.True(await run.WaitForExitAsync(TimeSpan.FromSeconds(30)), run.Describe());
        var saved = await agent.Run(["status", "--state-dir", "state"]);
        var next = await keelson.SucceedAsync("disk", "boot", "disk.img");
        var disk = Json.Parse((await keelson.SucceedAsync("disk", "show", "disk.img", "--json")).StandardOutput);

        Assert.Contains("KEELSON_BOOTED_SLOT=USR-B\n", trial, StringComparison.Ordinal);
        Assert.Contains("KEELSON_SERVER=disabled\n", trial, StringComparison.Ordinal);
        Assert.True(markGood.ExitCode == 0, markGood.ToString());
        Assert.Contains("USR-B (1.1.0) marked good", markGood.StandardOutput, StringComparison.Ordinal);
        var stopped = run.Result();
        Assert.True(stopped.ExitCode == 0, stopped.ToString());
        Assert.Contains("Started on USR-B running 1.1.0; group stable, server disabled", stopped.StandardError, StringComparison.Ordinal);
        Assert.EndsWith("stopped by SIGTERM\n", stopped.StandardError, StringComparison.Ordinal);
        // Stopped, it still shows the status it saved last, and says so.
        Assert.True(saved.ExitCode == 0, saved.ToString());
        Assert.Contains("not running", saved.StandardError, StringComparison.Ordinal);
        Assert.Contains("KEELSON_BOOTED_SLOT=USR-B\n", saved.StandardOutput, StringComparison.Ordinal);
        // USR-B is now good for the bootloader: successful, and still the one that boots.
        var usrB = Json.Find(disk.GetProperty("partitions"), "label", "USR-B");
        Assert.True(usrB.GetProperty("successful").GetBoolean(), usrB.ToString());
        Assert.StartsWith("USR-B ", next.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Native)]
    [InlineData(Cli)]
    public async Task The_daemon_refuses_a_bad_flag_with_exit_2_and_a_bad_config_a_missing_disk_or_root_with_exit_1_and_check_without_an_agent_fails(string daemon)
    {
        await using var keelson = new KeelsonProcess(log);
        await MakeMachineOnTrialAsync(keelson);
        await File.WriteAllTextAsync(keelson.PathOf("bad.conf"), "GROUP=alpha\nSERVER=disabled\nREBOOT_STRATEGY=sometimes\n");
        var agent = Daemon(keelson, daemon);

        var badFlag = await agent.Run(["--check-interval", "soon"]);
        var badConfig = await agent.Run(["--config", "bad.conf", "--state-dir", "state"]);
        var noDisk = await agent.Run(["--config", "update.conf", "--disk", "nowhere.img", "--root", "root", "--state-dir", "state"]);
        var noRoot = await agent.Run(["--config", "update.conf", "--disk", "disk.img", "--root", "nowhere", "--state-dir", "state"]);
        var noAgent = await agent.Run(["check", "--state-dir", "nowhere"]);

        Assert.True(badFlag.ExitCode == 2, badFlag.ToString());
        Assert.StartsWith("error: --check-interval 'soon' is not a positive duration such as 2s, 90s, 30m or 168h\n", badFlag.StandardError, StringComparison.Ordinal);
        Assert.True(badConfig.ExitCode == 1, badConfig.ToString());
        Assert.Contains("error: bad configuration: bad.conf:3: REBOOT_STRATEGY 'sometimes' is not one of", badConfig.StandardError, StringComparison.Ordinal);
        // A missing disk or machine file is named, not a crash with a stack trace.
        Assert.True(noDisk.ExitCode == 1, noDisk.ToString());
        Assert.Equal("error: cannot open the disk nowhere.img: nowhere.img does not exist\n", noDisk.StandardError);
        Assert.True(noRoot.ExitCode == 1, noRoot.ToString());
        Assert.StartsWith("error: cannot read nowhere/proc/cmdline: ", noRoot.StandardError, StringComparison.Ordinal);
        Assert.True(noAgent.ExitCode == 1, noAgent.ToString());
        Assert.Equal($"error: the agent is not running: nothing listens at nowhere/agent.sock\n", noAgent.StandardError);
    }

    [Theory]
    [InlineData(Native)]
    [InlineData(Cli)]
    public async Task With_REBOOT_STRATEGY_etcd_lock_the_good_boot_frees_the_machine_s_reboot_lock_in_etcd_over_gRPC(string daemon)
    {
        await using var etcd = await EtcdCluster.StartStaticAsync(1, log);
        await using var keelson = new KeelsonProcess(log);
        var machineId = await MakeMachineOnTrialAsync(
            keelson, $"GROUP=stable\nSERVER=disabled\nREBOOT_STRATEGY=etcd-lock\nLOCKSMITHD_ENDPOINT={etcd.Endpoints}\n");
        // The slot it took before rebooting into the update.
        await keelson.SucceedAsync("lock", "--endpoints", etcd.Endpoints, "lock", machineId);
        var agent = Daemon(keelson, daemon);

        var run = agent.Start(["--config", "update.conf", "--disk", "disk.img", "--root", "root", "--state-dir", "state", "--health-delay", "1s"]);
        var good = await WaitForStatusAsync(agent, run, "KEELSON_BOOT=USR-B (1.1.0) is marked good\n");
        var locks = await keelson.SucceedAsync("lock", "--endpoints", etcd.Endpoints, "status");

        Assert.Contains("KEELSON_REBOOT_STRATEGY=etcd-lock\n", good, StringComparison.Ordinal);
        Assert.Equal("Available: 1\nMax: 1\n", locks.StandardOutput);
    }

    [Fact]
    public async Task Build_agent_files_lists_what_an_image_needs_the_program_libzstd_the_C_library_and_OpenSSL()
    {
        var result = await ProcessRunner.RunAsync(ProcessRunner.Describe(build.Script, ["--files"]), KeelsonProcess.CommandTimeout);
        var wrong = await ProcessRunner.RunAsync(ProcessRunner.Describe(build.Script, ["--all"]), KeelsonProcess.CommandTimeout);

        Assert.True(result.ExitCode == 0, result.ToString());
        var files = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(build.Program, files[0]);
        Assert.Equal(Path.Combine(Path.GetDirectoryName(build.Program)!, "libzstd.so"), files[1]);
        Assert.All(files, file => Assert.True(Path.IsPathRooted(file) && File.Exists(file), $"'{file}' is not a file"));
        foreach (var library in (string[])["libc.so.6", "libm.so.6", "libssl.so.3", "libcrypto.so.3"])
        {
            Assert.Contains(files, file => Path.GetFileName(file) == library);
        }

        Assert.Equal(2, wrong.ExitCode);
        Assert.Equal("tools/build-agent: unknown argument '--all'; usage: tools/build-agent [--files]\n", wrong.StandardError);
    }

    /// <summary>
    /// A machine just rebooted into an update: a disk whose USR-B is installed (one try, not yet good) and was picked
    /// by the bootloader, a root whose kernel command line names USR-B and whose /usr runs 1.1.0, no update server.
    /// </summary>
    /// <returns>The machine's id.</returns>
    internal static async Task<string> MakeMachineOnTrialAsync(KeelsonProcess keelson, string config = "GROUP=stable\nSERVER=disabled\n")
    {
        await keelson.SucceedAsync("disk", "create", "disk.img", "--size", "1G");
        await keelson.SucceedAsync("disk", "mark-installed", "disk.img", "--slot", "B");
        var boot = (await keelson.SucceedAsync("disk", "boot", "disk.img")).StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1].Split(' ');
        Assert.Equal("USR-B", boot[0]);
        var root = keelson.PathOf("root");
        Directory.CreateDirectory(Path.Combine(root, "proc/sys/kernel/random"));
        Directory.CreateDirectory(Path.Combine(root, "etc"));
        Directory.CreateDirectory(Path.Combine(root, "usr/share/coreos"));
        await File.WriteAllTextAsync(Path.Combine(root, "proc/cmdline"), $"console=ttyS0 mount.usr=PARTUUID={boot[1]} rw\n");
        await File.WriteAllTextAsync(Path.Combine(root, "proc/sys/kernel/random/boot_id"), Guid.NewGuid() + "\n");
        var machineId = Guid.NewGuid().ToString("N");
        await File.WriteAllTextAsync(Path.Combine(root, "etc/machine-id"), machineId + "\n");
        await File.WriteAllTextAsync(Path.Combine(root, "usr/share/coreos/release"), "COREOS_RELEASE_VERSION=1.1.0\nCOREOS_RELEASE_BOARD=amd64-usr\n");
        await File.WriteAllTextAsync(keelson.PathOf("update.conf"), config);
        return machineId;
    }

    /// <summary>The running daemon's status once it holds <paramref name="line"/>; fails with its output past the deadline.</summary>
    private static async Task<string> WaitForStatusAsync(AgentDaemon agent, RunningProcess run, string line)
    {
        var deadline = DateTime.UtcNow + s_statusTimeout;
        ProcessResult? last = null;
        while (DateTime.UtcNow < deadline && !run.HasExited)
        {
            last = await agent.Run(["status", "--state-dir", "state"]);
            if (last.ExitCode == 0 && !last.StandardError.Contains("not running", StringComparison.Ordinal)
                && last.StandardOutput.Contains(line, StringComparison.Ordinal))
            {
                return last.StandardOutput;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }

        throw new XunitException($"the agent's status never held '{line.TrimEnd()}'; last status:\n{last}\nthe agent:\n{run.Describe()}");
    }

    private AgentDaemon Daemon(KeelsonProcess keelson, string daemon) => daemon switch
    {
        Native => new AgentDaemon(arguments => keelson.StartProgram(build.Program, arguments), arguments => keelson.RunProgramAsync(build.Program, arguments)),
        Cli => new AgentDaemon(arguments => keelson.Start(["agent", .. arguments]), arguments => keelson.RunAsync(["agent", .. arguments])),
        _ => throw new ArgumentOutOfRangeException(nameof(daemon), daemon, "not a daemon this test knows"),
    };

    /// <summary>One of the two executables: <c>keelson-agent ARGS</c> or <c>keelson agent ARGS</c>.</summary>
    private sealed record AgentDaemon(Func<string[], RunningProcess> Start, Func<string[], Task<ProcessResult>> Run);

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
