using Keelson.Coordination.Etcd;
using Keelson.Coordination.FleetLock;
using Keelson.Coordination.Locks;
using Keelson.Hosting;
using Keelson.Limits;
using Keelson.Metrics;
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
public static partial class FleetLockServer
{
    // Requests are a few dozen bytes; Kestrel refuses (rather than drains) anything much larger.
    private const long MaxRequestBodyBytes = 1 << 20;

    /// <summary>The first wait for an etcd that does not answer at start, doubling up to <see cref="MaxStartRetry"/>.</summary>
    public static readonly TimeSpan FirstStartRetry = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan MaxStartRetry = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Builds the application (not yet listening) over the etcd cluster <paramref name="options"/> name. Nothing is
    /// asked of etcd yet: <see cref="WaitForEtcdAsync"/> does that once the application listens, and until etcd has
    /// answered, FleetLock requests get 503 <c>lock_store_failed</c> at once.
    /// </summary>
    /// <exception cref="RebootLockException">The etcd settings are wrong (an endpoint, a certificate file).</exception>
    /// <exception cref="ArgumentException">Machines are to be trusted by token, which this server does not keep.</exception>
    /// <exception cref="Keelson.Tls.TlsException">The listen addresses and TLS settings disagree, or a certificate file cannot be used.</exception>
    public static WebApplication Build(FleetLockServerOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = options.Etcd ?? throw new ArgumentException("the etcd endpoints are required", nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.RequestsPerMinute);
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxGroups);
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxConnections);
        var requests = FleetLockLimits.Requests(options.RequestsPerMinute);
        var groups = FleetLockLimits.Groups(options.MaxGroups);
        time ??= TimeProvider.System;
        var builder = WebApplication.CreateSlimBuilder();
        // First: a listen address or certificate that cannot be used stops the start before etcd is set up.
        KestrelListening.Configure(builder.WebHost, [.. options.Listen], FleetLockServerOptions.DefaultListen, options.Tls, time);
        Trust.MachineTrust.CheckSettings(options.MachineTrust, options.Tls);
        var etcd = EtcdConnection.Create(settings);
        var store = new EtcdFleetLockStore(etcd, options.Slots, time, groups.Max, groups.Describe());
        var starting = new StartingFleetLockStore(store, etcd.Describe);

        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        // A start that fails (an address in use) is thrown to the caller, who reports it; a faulted service is still logged, as Critical.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes;
            SourceLimits.CapConnections(kestrel, ServerLimits.ConnectionsCap(options.MaxConnections));
        });
        builder.Services.AddSourceLimits(requests);
        builder.Services.AddSingleton(time);
        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton(starting);
        builder.Services.AddSingleton<FleetLockMetrics>();
        builder.Services.AddKeelsonMetrics(FleetLockMetrics.MeterName);

        var app = builder.Build();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(FleetLockServer).FullName!);
        app.UseTrustedProxies(options.TrustedProxies);
        app.UseBadRequestAnswers();
        app.UseSourceLimits();
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
        FleetLockEndpoints.MapProtocol(app, new FleetLockService(starting), new Trust.MachineTrust(options.MachineTrust, tokens: null), logger, requests, groups);
        app.MapKeelsonMetrics();
        app.Lifetime.ApplicationStopped.Register(etcd.Dispose);
        return app;
    }

    /// <summary>
    /// Asks etcd until it answers, waiting 1 s, 2 s, 4 s ... up to 30 s between tries and logging each wait with the
    /// endpoints and the reason; then FleetLock requests are served. Returns the etcd it reached, for a message.
    /// </summary>
    /// <exception cref="RebootLockException">etcd answered with a refusal that asking again does not change (credentials, TLS).</exception>
    public static async Task<string> WaitForEtcdAsync(WebApplication app, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        var store = app.Services.GetRequiredService<EtcdFleetLockStore>();
        var starting = app.Services.GetRequiredService<StartingFleetLockStore>();
        var time = app.Services.GetRequiredService<TimeProvider>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(FleetLockServer).FullName!);
        var wait = FirstStartRetry;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await store.CheckHealthAsync(cancellationToken);
                starting.Ready();
                if (attempt > 1)
                {
                    LogEtcdAnswered(logger, store.Description, attempt);
                }

                return store.Description;
            }
            catch (RebootLockException e) when (e.IsTransient)
            {
                starting.Waiting(e.Message);
                LogWaitingForEtcd(logger, e.Message, wait.TotalSeconds);
            }

            await Task.Delay(wait, time, cancellationToken);
            wait = wait * 2 > MaxStartRetry ? MaxStartRetry : wait * 2;
        }
    }

    [LoggerMessage(EventId = FleetLockEventIds.WaitingForEtcd, Level = LogLevel.Warning, Message = "FleetLock: waiting for etcd: {Error}; next try in {Seconds} s")]
    private static partial void LogWaitingForEtcd(ILogger logger, string error, double seconds);

    [LoggerMessage(EventId = FleetLockEventIds.EtcdAnswered, Level = LogLevel.Information, Message = "FleetLock: {Etcd} answers (try {Attempt}); serving")]
    private static partial void LogEtcdAnswered(ILogger logger, string etcd, int attempt);

    /// <summary>The addresses the started application listens on.</summary>
    public static IReadOnlyList<string> Addresses(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return [.. app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses];
    }
}
