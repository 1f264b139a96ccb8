namespace Keelson.Agent.Host;

/// <summary>
/// Runs the configured health checks after a boot (as greenboot does): each is a shell command that must exit 0
/// within the timeout. The boot is marked good only when all pass.
/// </summary>
public static class HealthChecks
{
    public static async Task<HealthReport> RunAsync(IReadOnlyList<string> commands, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var failures = new List<string>();
        foreach (var command in commands)
        {
            var result = await ExternalCommand.RunAsync("/bin/sh", ["-c", command], timeout, cancellationToken);
            if (!result.Succeeded)
            {
                var said = (result.StandardError.Trim() is { Length: > 0 } error ? error : result.StandardOutput.Trim()).ReplaceLineEndings(" ");
                failures.Add(result.TimedOut
                    ? $"'{command}' did not finish within {timeout.TotalSeconds:0} s"
                    : $"'{command}' exited {result.ExitCode}{(said.Length > 0 ? ": " + Shorten(said) : "")}");
            }
        }

        return new HealthReport(failures);
    }

    private static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + "...";
}
