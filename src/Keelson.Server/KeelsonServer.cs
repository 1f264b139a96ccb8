using Keelson.Hosting;
using Keelson.Limits;
using Keelson.Metrics;
using Keelson.Server.Api;
using Keelson.Server.Catalog;
using Keelson.Server.Dashboard;
using Keelson.Server.Metrics;
using Keelson.Server.Payloads;
using Keelson.Server.Storage;
using Keelson.Server.Updates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Keelson.Server;

/// <summary>The update service: builds the web application with its storage, endpoints and background work.</summary>
public static class KeelsonServer
{
    /// <summary>Opens the data folder, migrates the database and builds the application (not yet listening).</summary>
    public static async Task<WebApplication> BuildAsync(ServerOptions options, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Limits.Validate();
        time ??= TimeProvider.System;
        var builder = WebApplication.CreateSlimBuilder();
        // First: a listen address or certificate that cannot be used stops the start before the database is opened.
        KestrelListening.Configure(builder.WebHost, [.. options.Listen], ServerOptions.DefaultListen, options.Tls, time);
        Trust.MachineTrust.CheckSettings(options.MachineTrust, options.Tls);
        PrivateFiles.Folder(options.DataDirectory);
        var database = Database.Open(options.Database ?? DatabaseLocation.Sqlite(Path.Combine(options.DataDirectory, "keelson.db")));
        try
        {
            await Migrations.ApplyAsync(database, time, cancellationToken);
        }
        catch
        {
            database.Dispose();
            throw;
        }

        string adminToken;
        try
        {
            adminToken = AdminToken.Resolve(options);
        }
        catch
        {
            database.Dispose();
            throw;
        }

        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        // A start that fails (an address in use) is thrown to the caller, who reports it; a faulted service is still logged, as Critical.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        // The dashboard's keys sit in a folder only the server's user may read; DataProtection warns that they are not also encrypted.
        builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            SourceLimits.CapConnections(kestrel, options.Limits.ConnectionCap);
        });
        builder.Services.AddSourceLimits(options.Limits.Checks, options.Limits.Downloads, options.Limits.FleetLock);
        builder.Services.AddSingleton(services => new NewMachineLimit(options.Limits.NewMachines));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(time);
        builder.Services.AddSingleton(database);
        builder.Services.AddSingleton(new PayloadStore(options.DataDirectory));
        builder.Services.AddSingleton(new PayloadUrls(options.PublicUrl));
        builder.Services.AddSingleton<GroupCache>();
        builder.Services.AddHostedService<CatalogListener>();
        builder.Services.AddSingleton<MachineStateCache>();
        builder.Services.AddSingleton<MachineStateReader>();
        builder.Services.AddSingleton<InstanceTouches>();
        builder.Services.AddHostedService(services => services.GetRequiredService<InstanceTouches>());
        builder.Services.AddSingleton(services => new Trust.MachineTrust(options.MachineTrust, services.GetRequiredService<Security.TokenStore>()));
        builder.Services.AddSingleton<UpdateService>();
        builder.Services.AddSingleton<CatalogService>();
        builder.Services.AddSingleton<GroupService>();
        builder.Services.AddSingleton<FleetQueries>();
        builder.Services.AddSingleton<InstancePruner>();
        builder.Services.AddHostedService(services => services.GetRequiredService<InstancePruner>());
        builder.Services.AddSingleton<RolloutQueries>();
        builder.Services.AddSingleton(services => new FleetLock.SqlFleetLockStore(
            services.GetRequiredService<Database>(), services.GetRequiredService<TimeProvider>(), options.Limits.FleetLockGroups));
        builder.Services.AddSingleton(services => new Security.TokenStore(
            database, time, adminToken, services.GetRequiredService<ILogger<Security.TokenStore>>()));
        builder.Services.AddHostedService(services => services.GetRequiredService<Security.TokenStore>());
        builder.Services.AddDashboard(options);
        builder.Services.AddSingleton<FleetCounts>();
        builder.Services.AddHostedService(services => services.GetRequiredService<FleetCounts>());
        builder.Services.AddSingleton<FleetSampler>();
        builder.Services.AddHostedService(services => services.GetRequiredService<FleetSampler>());
        builder.Services.AddSingleton<ServerMetrics>();
        builder.Services.AddSingleton<FleetLock.FleetLockMetrics>();
        builder.Services.AddKeelsonMetrics(ServerMetrics.MeterName, StoreMetrics.MeterName, FleetLock.FleetLockMetrics.MeterName);
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi(openApi =>
        {
            openApi.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "Keelson update service";
                document.Info.Description = "Admin API (bearer token of a viewer, operator or admin) and the Omaha endpoint POST /v1/update/.";
                document.Components ??= new Microsoft.OpenApi.OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, Microsoft.OpenApi.IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[AdminApi.SecuritySchemeName] = new Microsoft.OpenApi.OpenApiSecurityScheme
                {
                    Type = Microsoft.OpenApi.SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "A token made by keelson token create (viewer, operator or admin), or the built-in admin token: --admin-token-file, KEELSON_ADMIN_TOKEN, or DATA/admin-token.",
                };
                return Task.CompletedTask;
            });
            // Every /api route takes a token; the machines' endpoints (Omaha, payloads, FleetLock) take none.
            openApi.AddOperationTransformer((operation, context, _) =>
            {
                if (context.Description.RelativePath?.StartsWith("api/", StringComparison.Ordinal) == true)
                {
                    operation.Security =
                    [
                        new Microsoft.OpenApi.OpenApiSecurityRequirement
                        {
                            [new Microsoft.OpenApi.OpenApiSecuritySchemeReference(AdminApi.SecuritySchemeName, context.Document)] = [],
                        },
                    ];
                }

                return Task.CompletedTask;
            });
        });

        var app = builder.Build();
        app.UseTrustedProxies(options.TrustedProxies);
        app.UseExceptionHandler();
        app.UseBadRequestAnswers();
        app.UseStatusCodePages();
        app.UseSourceLimits();
        app.MapGet("/health", () => Results.Text("ok\n"));
        // Routing ignores a trailing slash: this serves both /v1/update/ and /v1/update.
        app.MapPost("/v1/update/", OmahaEndpoint.HandleAsync).LimitedBy(options.Limits.Checks);
        app.MapMethods(PayloadUrls.Route, ["GET", "HEAD"], PayloadEndpoint.HandleAsync).LimitedBy(options.Limits.Downloads);
        app.MapAdminApi();
        FleetLock.FleetLockEndpoints.Map(app, options.Limits.FleetLock, options.Limits.Groups);
        app.MapDashboard();
        app.MapOpenApi();
        app.MapKeelsonMetrics();
        // Created now, so that the fleet gauges are there before the first check.
        app.Services.GetRequiredService<ServerMetrics>();
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var urls = app.Services.GetRequiredService<PayloadUrls>();
            if (options.PublicUrl is null)
            {
                var listening = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
                urls.Bind(new Uri(listening));
            }
        });
        app.Lifetime.ApplicationStopped.Register(database.Dispose);
        return app;
    }

    /// <summary>The addresses the started application listens on.</summary>
    public static IReadOnlyList<string> Addresses(WebApplication app) =>
        [.. app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses];
}
