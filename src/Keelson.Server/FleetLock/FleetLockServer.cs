using Keelson.Coordination.Etcd;
using Keelson.Coordination.FleetLock;
using Keelson.Coordination.Locks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Keelson.Server.FleetLock;

/// <summary>
/// The stateless FleetLock server (<c>keelson fleetlock serve</c>): <c>POST /v1/pre-reboot</c>,
/// <c>POST /v1/steady-state</c> and <c>GET /health</c> over semaphores in etcd, in Airlock's layout. It keeps no state
/// of its own, so any number of replicas may serve one fleet.
/// </summary>
public static class FleetLockServer
{
    // Requests are a few dozen bytes; Kestrel refuses (rather than drains) anything much larger.
    private const long MaxRequestBodyBytes = 1 << 20;

    /// <summary>
    /// Connects to etcd, checks that it answers, and builds the application (not yet listening). Fails fast with a
    /// <see cref="RebootLockException"/> on bad etcd settings or an unreachable cluster.
    /// </summary>
    public static async Task<WebApplication> BuildAsync(FleetLockServerOptions options, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = options.Etcd ?? throw new ArgumentException("the etcd endpoints are required", nameof(options));
        time ??= TimeProvider.System;
        var etcd = EtcdConnection.Create(settings);
        var store = new EtcdFleetLockStore(etcd, options.Slots, time);
        try
        {
            await store.CheckHealthAsync(cancellationToken);
        }
        catch
        {
            etcd.Dispose();
            throw;
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        // A start that fails (an address in use) is thrown to the caller, who reports it; a faulted service is still logged, as Critical.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        builder.WebHost.UseUrls([.. (options.Listen.Count > 0 ? options.Listen : [FleetLockServerOptions.DefaultListen]).Select(u => u.ToString())]);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes;
        });
        builder.Services.AddSingleton(time);
        builder.Services.AddSingleton(store);

        var app = builder.Build();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(FleetLockServer).FullName!);
        app.MapGet("/health", async (CancellationToken ct) =>
        {
            try
            {
                await store.CheckHealthAsync(ct);
                return Results.Text("ok\n");
            }
            catch (RebootLockException e)
            {
                return Results.Text($"{e.Message}\n", statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        });
        FleetLockEndpoints.MapProtocol(app, new FleetLockService(store), logger);
        app.Lifetime.ApplicationStopped.Register(etcd.Dispose);
        return app;
    }

    /// <summary>The addresses the started application listens on.</summary>
    public static IReadOnlyList<string> Addresses(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return [.. app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses];
    }
}
