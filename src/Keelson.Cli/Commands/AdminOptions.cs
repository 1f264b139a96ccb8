using System.CommandLine;
using Keelson.Cli.Output;
using Keelson.Server.Storage;

namespace Keelson.Cli.Commands;

/// <summary>Options shared by the commands that talk to a server's admin API.</summary>
internal static class AdminOptions
{
    public const string DefaultServer = "http://127.0.0.1:8080";

    public static Option<string> Server { get; } = new("--server")
    {
        Description = "URL of the Keelson server (or $KEELSON_SERVER); the admin token comes from $KEELSON_TOKEN",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("KEELSON_SERVER") is { Length: > 0 } url ? url : DefaultServer,
        Validators = { result => CliParsing.ValidateHttpUrl(result, "--server") },
    };

    public static Option<string> App { get; } = new("--app")
    {
        Description = "application id",
        Recursive = true,
        DefaultValueFactory = _ => Migrations.CoreOsAppId,
    };

    public static Option<bool> Json { get; } = new("--json")
    {
        Description = "print JSON instead of a table",
        Recursive = true,
    };

    /// <summary>A command group whose subcommands talk to the admin API.</summary>
    public static Command Group(string name, string description, params Command[] subcommands)
    {
        var command = new Command(name, description) { Server, App, Json };
        foreach (var subcommand in subcommands)
        {
            command.Subcommands.Add(subcommand);
        }

        return command;
    }

    public static AdminClient Client(ParseResult parse) =>
        AdminClient.Create(new Uri(parse.GetValue(Server)!), Environment.GetEnvironmentVariable(AdminClient.TokenVariable));

    /// <summary>The API path of the selected application.</summary>
    public static string AppPath(ParseResult parse) => $"api/apps/{Uri.EscapeDataString(parse.GetValue(App)!)}";

    public static ConsoleOutput Output(ParseResult parse) => new(parse.InvocationConfiguration.Output);
}
