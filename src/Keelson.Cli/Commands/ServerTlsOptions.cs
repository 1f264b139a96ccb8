using System.CommandLine;
using Keelson.Tls;

namespace Keelson.Cli.Commands;

/// <summary>
/// <c>--tls-cert</c>, <c>--tls-key</c> and <c>--tls-client-ca</c> of the commands that run a service (<c>server</c>,
/// <c>discovery serve</c>, <c>fleetlock serve</c>), and the listen addresses that go with them.
/// </summary>
internal static class ServerTlsOptions
{
    public static Option<string> Cert { get; } = new(ServerTlsSettings.CertFlag)
    {
        Description = "PEM certificate (and intermediates) to serve HTTPS with; read again when the file changes",
    };

    public static Option<string> Key { get; } = new(ServerTlsSettings.KeyFlag) { Description = $"PEM private key of {ServerTlsSettings.CertFlag}" };

    public static Option<string> ClientCa { get; } = new(ServerTlsSettings.ClientCaFlag)
    {
        Description = "PEM CA: require a client certificate it issued on every connection (mTLS)",
    };

    /// <summary>Adds the options to <paramref name="command"/>, with the rules of their use together.</summary>
    public static void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(Cert);
        command.Options.Add(Key);
        command.Options.Add(ClientCa);
        command.Validators.Add(result =>
        {
            if ((result.GetResult(Cert) is null) != (result.GetResult(Key) is null))
            {
                result.AddError($"{ServerTlsSettings.CertFlag} and {ServerTlsSettings.KeyFlag} go together");
            }
            else if (result.GetResult(ClientCa) is not null && result.GetResult(Cert) is null)
            {
                result.AddError($"{ServerTlsSettings.ClientCaFlag} needs {ServerTlsSettings.CertFlag} and {ServerTlsSettings.KeyFlag}: client certificates are asked for over HTTPS");
            }
        });
    }

    /// <summary>The TLS settings given; null when the service speaks plain HTTP.</summary>
    public static ServerTlsSettings? Settings(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return parse.GetValue(Cert) is { } cert ? new ServerTlsSettings(cert, parse.GetValue(Key)!, parse.GetValue(ClientCa)) : null;
    }

    /// <summary>
    /// The <c>--listen</c> addresses; when the option was left out and a certificate given, the default address
    /// with https.
    /// </summary>
    public static IEnumerable<Uri> Listen(ParseResult parse, Option<string[]> listen)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var addresses = parse.GetValue(listen)!.Select(u => new Uri(u));
        return parse.GetResult(listen) is { Implicit: false } || parse.GetValue(Cert) is null
            ? addresses
            : addresses.Select(u => new UriBuilder(u) { Scheme = Uri.UriSchemeHttps }.Uri);
    }
}
