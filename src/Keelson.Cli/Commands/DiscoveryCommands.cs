using System.CommandLine;
using Keelson.Discovery;
using Keelson.Discovery.Storage;
using Microsoft.Extensions.Hosting;

namespace Keelson.Cli.Commands;

/// <summary><c>keelson discovery serve</c>: the cluster discovery service etcd members bootstrap through.</summary>
internal static class DiscoveryCommands
{
    public static Command Create()
    {
        var command = new Command("discovery", "the cluster discovery service (the discovery.etcd.io protocol) for etcd --discovery=URL");
        command.Subcommands.Add(CreateServe());
        return command;
    }

    private static Command CreateServe()
    {
        var listen = CliParsing.ListenOption(DiscoveryOptions.DefaultListen.ToString().TrimEnd('/'));
        var publicUrl = new Option<string>("--public-url") { Description = "URL members reach this service at, put before each new token (default: the address /new was asked on)" };
        publicUrl.Validators.Add(result => CliParsing.ValidateHttpUrl(result, "--public-url"));
        var store = new Option<string>("--store")
        {
            Description = "sqlite:PATH (embedded, one replica), etcd:URL[,URL...] or a PostgreSQL database, "
                + "postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=require or Host=...;Database=... (shared by any number of replicas)",
            DefaultValueFactory = _ => StoreLocation.DefaultSqlite.ToString(),
        };
        store.Validators.Add(result =>
        {
            if (!StoreLocation.TryParse(result.GetValueOrDefault<string>(), out _, out var error))
            {
                result.AddError($"--store {error}");
            }
        });
        var maxAge = CliParsing.DurationOption("--token-max-age", "delete tokens older than this", "168h");
        var watchTimeout = CliParsing.DurationOption("--watch-timeout", "end a watch that saw no change after this (an empty 200; the member asks again)", "60s");

        var defaults = new DiscoveryOptions();
        var trustedProxy = CliParsing.TrustedProxyOption();
        var limitRequests = CliParsing.LimitOption("--limit-requests", "requests to tokens a minute from one address", defaults.RequestsPerMinute);
        var limitNewTokens = CliParsing.LimitOption("--limit-new-tokens", "new tokens (/new) a minute from one address", defaults.NewTokensPerMinute);
        var limitConnections = CliParsing.LimitOption("--limit-connections", "connections open at once", defaults.MaxConnections);

        var command = new Command("serve", "run the discovery service: /new?size=N, /health and the tokens' v2 keys API")
        {
            listen, publicUrl, store, maxAge, watchTimeout, trustedProxy, limitRequests, limitNewTokens, limitConnections,
        };
        ServerTlsOptions.AddTo(command);
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            StoreLocation.TryParse(parse.GetValue(store), out var location, out _);
            var options = new DiscoveryOptions
            {
                PublicUrl = parse.GetValue(publicUrl) is { } url ? new Uri(url) : null,
                Store = location!,
                TokenMaxAge = CliParsing.Duration(parse.GetValue(maxAge)),
                WatchTimeout = CliParsing.Duration(parse.GetValue(watchTimeout)),
                RequestsPerMinute = parse.GetValue(limitRequests),
                NewTokensPerMinute = parse.GetValue(limitNewTokens),
                MaxConnections = parse.GetValue(limitConnections),
            };
            CliParsing.AddTrustedProxies(parse, trustedProxy, options.TrustedProxies);

            options.Tls = ServerTlsOptions.Settings(parse);
            foreach (var address in ServerTlsOptions.Listen(parse, listen))
            {
                options.Listen.Add(address);
            }

            Microsoft.AspNetCore.Builder.WebApplication app;
            try
            {
                app = await DiscoveryService.BuildAsync(options, cancellationToken: ct);
                await Listening.StartAsync(app, options.Listen, ct);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or Keelson.Tls.TlsException or ArgumentException or DiscoveryStoreException)
            {
                throw new CliException($"the discovery service could not start: {e.Message}");
            }

            var output = parse.InvocationConfiguration.Output;
            foreach (var address in DiscoveryService.Addresses(app))
            {
                await output.WriteLineAsync($"keelson discovery listening on {address}");
            }

            await output.WriteLineAsync(location!.Kind == StoreKind.Sqlite
                ? $"store: sqlite {Path.GetFullPath(location.Path)}"
                : $"store: {location}");
            await output.FlushAsync(ct);
            await app.WaitForShutdownAsync(CancellationToken.None);
            await app.DisposeAsync();
        }));
        return command;
    }
}
