using Keelson.Discovery.Storage;
using Keelson.Hosting;
using Keelson.Limits;
using Keelson.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Keelson.Discovery;

/// <summary>The discovery service: builds the web application over its store, with token garbage collection.</summary>
public static class DiscoveryService
{
    /// <summary>
    /// Opens the store (creating and migrating a SQLite file or a PostgreSQL database; checking that etcd answers) and builds the
    /// application, not yet listening. Fails fast on bad options or an unreachable store.
    /// </summary>
    public static async Task<WebApplication> BuildAsync(DiscoveryOptions options, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        time ??= TimeProvider.System;
        var builder = WebApplication.CreateSlimBuilder();
        // First: a listen address or certificate that cannot be used stops the start before the store is opened.
        KestrelListening.Configure(builder.WebHost, [.. options.Listen], DiscoveryOptions.DefaultListen, options.Tls, time);
        var signals = new ChangeSignals();
        var store = await OpenStoreAsync(options, signals, time, cancellationToken);

        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        // A start that fails (an address in use) is thrown to the caller, who reports it; a faulted service is still logged, as Critical.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = DiscoveryEndpoints.MaxRequestBodyBytes;
            SourceLimits.CapConnections(kestrel, options.Connections);
        });
        builder.Services.AddSourceLimits(options.Requests, options.NewTokens);
        // Held watches end at once on stop (members retry), so a short grace period is enough.
        builder.Services.Configure<Microsoft.Extensions.Hosting.HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(time);
        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton(signals);
        builder.Services.AddSingleton<TokenSpace>();
        builder.Services.AddSingleton<TokenCollector>();
        builder.Services.AddHostedService(services => services.GetRequiredService<TokenCollector>());
        // Requests by route, method and status code, and their durations (keelson_http_server_request_duration_seconds).
        builder.Services.AddKeelsonMetrics();

        var app = builder.Build();
        if (store is PostgresDiscoveryStore postgres)
        {
            postgres.Logger = app.Services.GetRequiredService<ILogger<PostgresDiscoveryStore>>();
        }

        app.UseTrustedProxies(options.TrustedProxies);
        app.UseBadRequestAnswers();
        app.UseSourceLimits();

        // Before the token routes: /metrics is a literal route, which routing prefers to /{token}.
        app.MapKeelsonMetrics();
        DiscoveryEndpoints.Map(app, options);
        app.Lifetime.ApplicationStopped.Register(store.Dispose);
        return app;
    }

    /// <summary>The addresses the started application listens on.</summary>
    public static IReadOnlyList<string> Addresses(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return [.. app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses];
    }

    /// <summary>Deletes the tokens older than the age limit now (the service also does so at every collection interval).</summary>
    public static Task<int> CollectTokensAsync(WebApplication app, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.Services.GetRequiredService<TokenCollector>().CollectAsync(cancellationToken);
    }

    private static async Task<IDiscoveryStore> OpenStoreAsync(DiscoveryOptions options, ChangeSignals signals, TimeProvider time, CancellationToken cancellationToken)
    {
        switch (options.Store.Kind)
        {
            case StoreKind.Sqlite:
                return await SqliteDiscoveryStore.OpenAsync(options.Store.Path, time, cancellationToken);
            case StoreKind.Postgres:
                return await PostgresDiscoveryStore.OpenAsync(options.Store.Postgres!, signals, time, cancellationToken);
        }

        var store = new EtcdDiscoveryStore(options.Store.Endpoints, options.EtcdPrefix);
        try
        {
            await store.CheckHealthAsync(cancellationToken);
            return store;
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }
}
