namespace Keelson.IntegrationTests.Harness;

/// <summary>How a finished process ended and what it printed.</summary>
public sealed record ProcessResult(string CommandLine, int ExitCode, string StandardOutput, string StandardError, TimeSpan Elapsed)
{
    /// <summary>The command, its exit code and its output, for assertion messages.</summary>
    public override string ToString() =>
        $"$ {CommandLine}\n(exit {ExitCode} after {Elapsed.TotalSeconds:0.0}s)\n--- stdout ---\n{StandardOutput}--- stderr ---\n{StandardError}";
}
