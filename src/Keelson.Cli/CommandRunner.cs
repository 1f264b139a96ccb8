using Keelson.Agent.Daemon;

namespace Keelson.Cli;

/// <summary>
/// Runs a command's work and maps its outcome to the exit code: 0 done, 1 failed (message on stderr), 130 or 143
/// stopped by SIGINT or SIGTERM (see <see cref="Termination"/>).
/// </summary>
internal static class CommandRunner
{
    public static async Task<int> RunAsync(Func<Task> work)
    {
        try
        {
            await work();
            return ExitCodes.Success;
        }
        catch (CliException e)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return ExitCodes.Failed;
        }
        catch (OperationCanceledException) when (Termination.Signal is { } signal)
        {
            await Console.Error.WriteLineAsync($"error: stopped by {Termination.Name(signal)} before it finished");
            return Termination.ExitCode(signal);
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync("error: cancelled");
            return ExitCodes.Failed;
        }
    }

    public static async Task<int> RunAsync(Func<Task<int>> work)
    {
        var code = ExitCodes.Success;
        var result = await RunAsync(async () => { code = await work(); });
        return result != ExitCodes.Success ? result : code;
    }
}
