using System.Diagnostics;

namespace Keelson.IntegrationTests.Harness;

/// <summary>Runs programs as separate processes: to completion within a deadline, or in the background.</summary>
public static class ProcessRunner
{
    /// <summary>
    /// Runs <paramref name="start"/> to completion. Past <paramref name="timeout"/> the process tree is killed
    /// and a <see cref="TimeoutException"/> carries what it printed so far.
    /// </summary>
    public static async Task<ProcessResult> RunAsync(ProcessStartInfo start, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        await using var process = Start(start);
        var exited = await process.WaitForExitAsync(timeout, cancellationToken);
        if (!exited)
        {
            process.Kill();
            throw new TimeoutException($"still running after {timeout.TotalSeconds:0}s, killed:\n{process.Describe()}");
        }

        return process.Result();
    }

    /// <summary>Starts <paramref name="start"/> in the background; its output is collected line by line.</summary>
    public static RunningProcess Start(ProcessStartInfo start)
    {
        ArgumentNullException.ThrowIfNull(start);
        start.UseShellExecute = false;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        // Nothing under test reads a terminal: stdin is closed at once, as under CI.
        start.RedirectStandardInput = true;
        return new RunningProcess(start);
    }

    /// <summary>A start description for <paramref name="program"/> with its arguments passed one by one (no shell quoting).</summary>
    public static ProcessStartInfo Describe(string program, IEnumerable<string> arguments, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = workingDirectory ?? "" };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }
}
