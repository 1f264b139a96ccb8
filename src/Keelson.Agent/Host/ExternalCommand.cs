using System.Diagnostics;
using Keelson.Omaha;

namespace Keelson.Agent.Host;

/// <summary>Runs a program with a deadline and collects what it printed; the agent's only way to call host tools.</summary>
public static class ExternalCommand
{
    public static async Task<CommandResult> RunAsync(string program, IEnumerable<string> arguments, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new UpdateEngineException($"cannot run {program}: {e.Message}", OmahaErrorCodes.CommandUnavailable, isTransient: false, e);
        }

        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            cancellationToken.ThrowIfCancellationRequested();
            return new CommandResult(-1, await stdout, await stderr + $"\n{program} did not finish within {timeout.TotalSeconds:0} s and was killed", TimedOut: true);
        }

        return new CommandResult(process.ExitCode, await stdout, await stderr, TimedOut: false);
    }
}
