using System.CommandLine;
using Keelson.Cli.Output;
using Keelson.Server.Storage;
using Keelson.Tls;

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

    /// <summary>The variables the TLS options fall back to.</summary>
    public const string CaVariable = "KEELSON_SERVER_CA";

    public const string ClientCertVariable = "KEELSON_CLIENT_CERT";

    public const string ClientKeyVariable = "KEELSON_CLIENT_KEY";

    public static Option<string> Ca { get; } = new("--ca")
    {
        Description = $"PEM CA file trusted for the server's certificate besides the system's (or ${CaVariable})",
        Recursive = true,
        DefaultValueFactory = _ => FromEnvironment(CaVariable)!,
    };

    public static Option<string> ClientCert { get; } = new("--client-cert")
    {
        Description = $"PEM client certificate for a server that requires one (mTLS), with --client-key (or ${ClientCertVariable})",
        Recursive = true,
        DefaultValueFactory = _ => FromEnvironment(ClientCertVariable)!,
    };

    public static Option<string> ClientKey { get; } = new("--client-key")
    {
        Description = $"PEM private key of --client-cert (or ${ClientKeyVariable})",
        Recursive = true,
        DefaultValueFactory = _ => FromEnvironment(ClientKeyVariable)!,
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
        var command = new Command(name, description) { App, Json };
        AddConnection(command);
        foreach (var subcommand in subcommands)
        {
            command.Subcommands.Add(subcommand);
        }

        return command;
    }

    /// <summary>Adds the options that say how to reach the server: its URL and TLS (the token comes from the environment).</summary>
    public static void AddConnection(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(Server);
        command.Options.Add(Ca);
        command.Options.Add(ClientCert);
        command.Options.Add(ClientKey);
    }

    public static AdminClient Client(ParseResult parse)
    {
        var settings = new ClientTlsSettings(parse.GetValue(Ca), parse.GetValue(ClientCert), parse.GetValue(ClientKey),
            $"--ca/${CaVariable}", $"--client-cert/${ClientCertVariable}", $"--client-key/${ClientKeyVariable}");
        ClientTls tls;
        try
        {
            tls = ClientTls.Load(settings);
        }
        catch (TlsException e)
        {
            throw new CliException(e.Message);
        }

        return AdminClient.Create(new Uri(parse.GetValue(Server)!), Environment.GetEnvironmentVariable(AdminClient.TokenVariable), tls);
    }

    private static string? FromEnvironment(string variable) => Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value ? value : null;

    /// <summary>The API path of the selected application.</summary>
    public static string AppPath(ParseResult parse) => $"api/apps/{Uri.EscapeDataString(parse.GetValue(App)!)}";

    public static ConsoleOutput Output(ParseResult parse) => new(parse.InvocationConfiguration.Output);
}
