using System.CommandLine;
using Keelson.Agent.Daemon;
using Keelson.Cli.Commands;
using Keelson.Cli.Help;

namespace Keelson.Cli;

/// <summary>The <c>keelson</c> command. Exit codes: 0 success, 1 the operation failed, 2 bad usage.</summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var root = BuildRoot();
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in UsageErrors.Describe(parse))
            {
                await Console.Error.WriteLineAsync($"error: {error}");
            }

            await Console.Error.WriteLineAsync($"Run '{CommandPath.Display(parse.CommandResult)} --help' for usage.");
            return ExitCodes.Usage;
        }

        using var termination = Termination.Register();
        // Termination handles SIGINT and SIGTERM; System.CommandLine's own handler (on unless told otherwise) would
        // end the process with 130/143 two seconds after the signal, the clean-up done or not.
        return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, termination.Token);
    }

    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("Keelson keeps fleets of Linux machines up to date: A/B image updates over Omaha, channels, rollouts.")
        {
            ServerCommand.Create(),
            StatusCommand.Create(),
            PackageCommands.Create(),
            ChannelCommands.Create(),
            GroupCommands.Create(),
            InstanceCommands.Create(),
            ActivityCommands.Create(),
            TokenCommands.Create(),
            CloudConfigCommands.Create(),
            DiskCommands.Create(),
            BootCommands.Create(),
            PayloadCommands.Create(),
            DiscoveryCommands.Create(),
            AgentCommands.Create(),
            MachineCommands.Create(),
            LockCommands.Create(),
            RebootLockCommands.Create(),
            FleetLockCommands.Create(),
            DemoCommand.Create(),
        };
        HelpWithExamples.Install(root);
        return root;
    }
}
