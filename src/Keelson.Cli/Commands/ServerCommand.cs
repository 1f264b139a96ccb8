using System.CommandLine;
using Keelson.Server;
using Keelson.Server.Storage;
using Microsoft.Extensions.Hosting;

namespace Keelson.Cli.Commands;

/// <summary><c>keelson server</c>: runs the update service until stopped.</summary>
internal static class ServerCommand
{
    private const string AdminTokenVariable = "KEELSON_ADMIN_TOKEN";

    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "folder for the SQLite database, payloads and admin token", DefaultValueFactory = _ => "data" };
        var database = new Option<string>("--database")
        {
            Description = "where the data lives: postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=require, an Npgsql connection string "
                + "(Host=...;Database=...), or sqlite:PATH (default: sqlite DATA/keelson.db); several servers may share one PostgreSQL database",
        };
        database.Validators.Add(result =>
        {
            if (!DatabaseLocation.TryParse(result.GetValueOrDefault<string>(), out _, out var error))
            {
                result.AddError($"--database {error}");
            }
        });
        var listen = CliParsing.ListenOption("http://127.0.0.1:8080");
        var publicUrl = new Option<string>("--public-url") { Description = "URL machines reach this server at (default: the listen address)" };
        publicUrl.Validators.Add(result => CliParsing.ValidateHttpUrl(result, "--public-url"));
        var tokenFile = new Option<FileInfo>("--admin-token-file") { Description = "file (mode 0600) holding the built-in admin token, at least 32 random characters (default: $KEELSON_ADMIN_TOKEN, else DATA/admin-token, generated)" };
        var retention = new Option<string>("--instance-retention") { Description = "prune machines not seen for this long", DefaultValueFactory = _ => "720h" };
        retention.Validators.Add(result => CliParsing.ValidateDuration(result, "--instance-retention"));
        var trustedProxy = CliParsing.TrustedProxyOption();
        var defaults = new ServerLimits();
        var limitChecks = CliParsing.LimitOption("--limit-checks", "Omaha requests a minute from one address", defaults.ChecksPerMinute);
        var limitNewMachines = CliParsing.LimitOption("--limit-new-machines", "machines never seen before a minute from one address (others get 429, not recorded)", defaults.NewMachinesPerMinute);
        var limitDownloads = CliParsing.LimitOption("--limit-downloads", "payload requests a minute from one address", defaults.DownloadsPerMinute);
        var limitFleetLock = CliParsing.LimitOption("--limit-fleetlock", "FleetLock requests a minute from one address", defaults.FleetLockPerMinute);
        var limitGroups = CliParsing.LimitOption("--limit-fleetlock-groups", "FleetLock groups kept (a new group beyond gets 429)", defaults.FleetLockGroups);
        var limitConnections = CliParsing.LimitOption("--limit-connections", "connections open at once", defaults.Connections);

        var machineTrust = CliParsing.MachineTrustOption(
            "whose reports may move a rollout (status, update and reboot slots): any; token (a machine token as the URL's "
            + "password or a bearer token); certificate (mTLS; the client certificate's CN must be the machine id)",
            Keelson.Server.Trust.MachineTrustMode.Any, Keelson.Server.Trust.MachineTrustMode.Token, Keelson.Server.Trust.MachineTrustMode.Certificate);

        var command = new Command("server", "run the update service (Omaha endpoint, payload hosting, admin API, dashboard)")
        {
            data, database, listen, publicUrl, tokenFile, retention, trustedProxy,
            limitChecks, limitNewMachines, limitDownloads, limitFleetLock, limitGroups, limitConnections, machineTrust,
        };
        ServerTlsOptions.AddTo(command);
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var options = new ServerOptions
            {
                DataDirectory = parse.GetValue(data)!,
                Database = DatabaseLocation.TryParse(parse.GetValue(database), out var location, out _) ? location : null,
                PublicUrl = parse.GetValue(publicUrl) is { } url ? new Uri(url) : null,
                AdminTokenFile = parse.GetValue(tokenFile)?.FullName,
                AdminToken = parse.GetValue(tokenFile) is null ? TokenFromEnvironment() : null,
                InstanceRetention = Keelson.Coordination.GoDuration.TryParse(parse.GetValue(retention), out var keep) ? keep : TimeSpan.FromDays(30),
                MachineTrust = CliParsing.MachineTrust(parse.GetValue(machineTrust)),
            };
            options.Tls = ServerTlsOptions.Settings(parse);
            foreach (var address in ServerTlsOptions.Listen(parse, listen))
            {
                options.Listen.Add(address);
            }

            options.Limits.ChecksPerMinute = parse.GetValue(limitChecks);
            options.Limits.NewMachinesPerMinute = parse.GetValue(limitNewMachines);
            options.Limits.DownloadsPerMinute = parse.GetValue(limitDownloads);
            options.Limits.FleetLockPerMinute = parse.GetValue(limitFleetLock);
            options.Limits.FleetLockGroups = parse.GetValue(limitGroups);
            options.Limits.Connections = parse.GetValue(limitConnections);
            CliParsing.AddTrustedProxies(parse, trustedProxy, options.TrustedProxies);

            Microsoft.AspNetCore.Builder.WebApplication app;
            try
            {
                app = await KeelsonServer.BuildAsync(options, cancellationToken: ct);
                await Listening.StartAsync(app, options.Listen, ct);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or Keelson.Tls.TlsException or Microsoft.Data.Sqlite.SqliteException or DatabaseException)
            {
                throw new CliException($"the server could not start: {e.Message}");
            }

            var output = parse.InvocationConfiguration.Output;
            foreach (var address in KeelsonServer.Addresses(app))
            {
                await output.WriteLineAsync($"keelson server listening on {address}");
            }

            await output.WriteLineAsync($"database: {options.Database?.ToString() ?? "sqlite:" + Path.GetFullPath(Path.Combine(options.DataDirectory, "keelson.db"))}");
            await output.WriteLineAsync(options.AdminToken is not null ? $"admin token as given in ${AdminTokenVariable}"
                : $"admin token in {Path.GetFullPath(options.AdminTokenFile ?? Path.Combine(options.DataDirectory, AdminToken.FileName))}");
            await output.WriteLineAsync($"dashboard: {KeelsonServer.Addresses(app)[0]}/ (sign in with the admin token or one from keelson token create)");
            await output.FlushAsync(ct);
            await app.WaitForShutdownAsync(CancellationToken.None);
            await app.DisposeAsync();
        }));
        return command;
    }

    /// <summary>
    /// $KEELSON_ADMIN_TOKEN when set: a blank one is an error, not a reason to generate one (the file the operator
    /// would then not know about). Its strength, and that of a file's, is checked by the server (AdminToken).
    /// </summary>
    private static string? TokenFromEnvironment()
    {
        if (Environment.GetEnvironmentVariable(AdminTokenVariable) is not { } value)
        {
            return null;
        }

        return string.IsNullOrWhiteSpace(value)
            ? throw new CliException($"${AdminTokenVariable} is set but blank; unset it to have a token generated into DATA/{AdminToken.FileName}, "
                + "or set it to a strong token: openssl rand -hex 32")
            : AdminToken.Weakness(value.Trim(), "$" + AdminTokenVariable) is { } weakness ? throw new CliException(weakness)
            : value.Trim();
    }
}
