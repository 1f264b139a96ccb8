namespace Keelson.Cli;

/// <summary>Runs a command's work and maps its outcome to the exit code: 0 done, 1 failed (message on stderr).</summary>
internal static class CommandRunner
{
    public static async Task<int> RunAsync(Func<Task> work)
    {
        try
        {
            await work();
            return 0;
        }
        catch (CliException e)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return 1;
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync("error: cancelled");
            return 1;
        }
    }

    public static async Task<int> RunAsync(Func<Task<int>> work)
    {
        var code = 0;
        var result = await RunAsync(async () => { code = await work(); });
        return result != 0 ? result : code;
    }
}
