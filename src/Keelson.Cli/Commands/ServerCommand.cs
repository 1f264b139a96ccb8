using System.CommandLine;
using Keelson.Server;
using Keelson.Server.Storage;
using Microsoft.Extensions.Hosting;

namespace Keelson.Cli.Commands;

/// <summary><c>keelson server</c>: runs the update service until stopped.</summary>
internal static class ServerCommand
{
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
        var tokenFile = new Option<FileInfo>("--admin-token-file") { Description = "file holding the admin API token (default: $KEELSON_ADMIN_TOKEN, else DATA/admin-token, generated)" };
        var retention = new Option<string>("--instance-retention") { Description = "prune machines not seen for this long", DefaultValueFactory = _ => "720h" };
        retention.Validators.Add(result => CliParsing.ValidateDuration(result, "--instance-retention"));
        var trustedProxy = new Option<string[]>("--trusted-proxy")
        {
            Description = "address or network of a reverse proxy whose X-Forwarded-For names the machine (repeatable)",
            AllowMultipleArgumentsPerToken = false,
        };

        var command = new Command("server", "run the update service (Omaha endpoint, payload hosting, admin API, dashboard)")
        {
            data, database, listen, publicUrl, tokenFile, retention, trustedProxy,
        };
        ServerTlsOptions.AddTo(command);
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var options = new ServerOptions
            {
                DataDirectory = parse.GetValue(data)!,
                Database = DatabaseLocation.TryParse(parse.GetValue(database), out var location, out _) ? location : null,
                PublicUrl = parse.GetValue(publicUrl) is { } url ? new Uri(url) : null,
                AdminToken = ReadToken(parse.GetValue(tokenFile)),
                InstanceRetention = Keelson.Coordination.GoDuration.TryParse(parse.GetValue(retention), out var keep) ? keep : TimeSpan.FromDays(30),
            };
            options.Tls = ServerTlsOptions.Settings(parse);
            foreach (var address in ServerTlsOptions.Listen(parse, listen))
            {
                options.Listen.Add(address);
            }

            foreach (var proxy in parse.GetValue(trustedProxy) ?? [])
            {
                options.TrustedProxies.Add(CliParsing.Network(proxy, "--trusted-proxy"));
            }

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
            await output.WriteLineAsync(options.AdminToken is null
                ? $"admin token in {Path.GetFullPath(Path.Combine(options.DataDirectory, AdminToken.FileName))}"
                : "admin token as given");
            await output.WriteLineAsync($"dashboard: {KeelsonServer.Addresses(app)[0]}/ (sign in with the admin token)");
            await output.FlushAsync(ct);
            await app.WaitForShutdownAsync(CancellationToken.None);
            await app.DisposeAsync();
        }));
        return command;
    }

    private static string? ReadToken(FileInfo? file)
    {
        if (file is not null)
        {
            try
            {
                return File.ReadAllText(file.FullName).Trim() is { Length: > 0 } token
                    ? token
                    : throw new CliException($"--admin-token-file {file.FullName} is empty");
            }
            catch (IOException e)
            {
                throw new CliException($"--admin-token-file: {e.Message}");
            }
        }

        return Environment.GetEnvironmentVariable("KEELSON_ADMIN_TOKEN") is { Length: > 0 } fromEnvironment ? fromEnvironment.Trim() : null;
    }
}
