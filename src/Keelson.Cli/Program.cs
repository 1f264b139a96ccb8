using System.CommandLine;
using Keelson.Cli.Commands;

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
            foreach (var error in parse.Errors)
            {
                await Console.Error.WriteLineAsync($"error: {error.Message}");
            }

            await Console.Error.WriteLineAsync($"Run 'keelson {string.Join(' ', CommandPath(parse))} --help' for usage.".Replace("  ", " ", StringComparison.Ordinal));
            return 2;
        }

        return await parse.InvokeAsync();
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
            CloudConfigCommands.Create(),
            DiskCommands.Create(),
            PayloadCommands.Create(),
            DiscoveryCommands.Create(),
            AgentCommands.Create(),
            MachineCommands.Create(),
            LockCommands.Create(),
            RebootLockCommands.Create(),
            FleetLockCommands.Create(),
            DemoCommand.Create(),
        };
        return root;
    }

    private static IEnumerable<string> CommandPath(ParseResult parse)
    {
        var names = new Stack<string>();
        for (var result = parse.CommandResult; result.Parent is System.CommandLine.Parsing.CommandResult parent; result = parent)
        {
            names.Push(result.Command.Name);
        }

        return names;
    }
}
