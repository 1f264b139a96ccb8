using System.CommandLine;
using Keelson.Cli.Commands;

namespace Keelson.Cli.Tests.Commands;

public sealed class ConnectionOptionsTests
{
    private static IEnumerable<Command> All(Command command) => command.Subcommands.SelectMany(All).Prepend(command);

    /// <summary>A command that reaches the admin API by <c>--server</c> reaches it over TLS the same way, whichever it is.</summary>
    [Fact]
    public void Every_command_that_takes_a_server_takes_the_tls_options_too()
    {
        var root = Program.BuildRoot();
        var missing = new List<string>();
        foreach (var command in All(root))
        {
            // Options of the command and of the groups above it (which the admin groups share with their subcommands).
            var path = Path(root, command);
            var options = path.SelectMany(c => c.Options).ToHashSet();
            if (options.Contains(AdminOptions.Server) && !new Option[] { AdminOptions.Ca, AdminOptions.ClientCert, AdminOptions.ClientKey }.All(options.Contains))
            {
                missing.Add(string.Join(' ', path.Select(c => c.Name)));
            }
        }

        Assert.Empty(missing);
    }

    private static List<Command> Path(Command root, Command target)
    {
        if (root == target)
        {
            return [root];
        }

        foreach (var child in root.Subcommands)
        {
            if (Path(child, target) is { Count: > 0 } below)
            {
                return [root, .. below];
            }
        }

        return [];
    }
}
