using System.CommandLine;
using Keelson.Agent.Daemon;

namespace Keelson.AgentDaemon;

/// <summary>
/// <c>keelson-agent</c>: the update agent daemon, as <c>keelson agent</c> runs it, in a small native executable;
/// and <c>status</c>, <c>check</c>, <c>mark-good</c>, <c>rollback</c> over its control socket. Exit codes are
/// <see cref="DaemonExitCodes"/>: 0 done (the daemon also when SIGTERM or SIGINT stops it), 1 failed, 2 bad usage;
/// 130/143 for a control command stopped by SIGINT/SIGTERM.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var root = new RootCommand("keelson-agent: the Keelson update agent (update_engine): checks, downloads, installs into the passive slot, reboots, marks boots good");
        new AgentCommandLine().AttachTo(root);
        root.Subcommands.Add(AgentCommandLine.StatusCommand());
        foreach (var control in AgentCommandLine.ControlCommands())
        {
            root.Subcommands.Add(control);
        }

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var message in parse.Errors.Select(e => e.Message).Distinct(StringComparer.Ordinal))
            {
                await Console.Error.WriteLineAsync($"error: {message}");
            }

            await Console.Error.WriteLineAsync($"Run 'keelson-agent {(parse.CommandResult.Command == root ? "" : parse.CommandResult.Command.Name + " ")}--help' for usage.");
            return DaemonExitCodes.Usage;
        }

        using var termination = Termination.Register();
        return await parse.InvokeAsync(cancellationToken: termination.Token);
    }
}
