using Keelson.IntegrationTests.Harness;
using Xunit.Abstractions;

namespace Keelson.IntegrationTests;

/// <summary>Ctrl-C (SIGINT) and SIGTERM stop a long-running command through its cancellation, not by killing it.</summary>
public sealed class CliSignalTests(ITestOutputHelper log)
{
    private const int SIGINT = 2;
    private const int SIGTERM = 15;

    [Theory]
    [InlineData(SIGINT, "SIGINT", 130)]
    [InlineData(SIGTERM, "SIGTERM", 143)]
    public async Task A_signal_stops_a_running_machine_which_says_so_and_exits_with_the_signal_s_code(int signal, string name, int exitCode)
    {
        await using var keelson = new KeelsonProcess(log);
        var fleet = await TestFleet.StartAsync(keelson);
        await fleet.CreateMachineAsync("m1", "alpha");
        // Through env(1), which puts SIGINT back to its default: a test run started in the background may have it
        // ignored, and its children inherit that.
        var start = keelson.Command(["machine", "run", "m1", "--check-interval", "1s", "--timeout", "120s"]);
        start.ArgumentList.Insert(0, start.FileName);
        start.ArgumentList.Insert(0, "--default-signal=INT");
        start.FileName = "env";
        await using var run = ProcessRunner.Start(start);
        await run.WaitForLineAsync(line => line.StartsWith("boot 1: ", StringComparison.Ordinal), KeelsonProcess.StartTimeout);

        // Straight through libc: a minimal Debian has no kill(1) (procps) installed.
        Assert.True(kill(run.Id, signal) == 0, $"kill({run.Id}, {name}) failed");

        Assert.True(await run.WaitForExitAsync(TimeSpan.FromSeconds(30)), run.Describe());
        var result = run.Result();
        Assert.True(result.ExitCode == exitCode, result.ToString());
        Assert.Equal($"error: stopped by {name} before it finished\n", result.StandardError);
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
