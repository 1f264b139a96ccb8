namespace Keelson.Disks.Tests;

/// <summary>How an external tool ended and what it printed.</summary>
internal sealed record ToolResult(string CommandLine, int ExitCode, string StandardOutput, string StandardError)
{
    public override string ToString() => $"$ {CommandLine}\n(exit {ExitCode})\n--- stdout ---\n{StandardOutput}--- stderr ---\n{StandardError}";
}
