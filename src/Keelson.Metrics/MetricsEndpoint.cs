using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;

namespace Keelson.Metrics;

/// <summary>
/// <c>GET /metrics</c> in Prometheus' text format, for the update service, the FleetLock server and the discovery service: the meters named,
/// and ASP.NET Core's request duration histogram renamed <c>keelson_http_server_request_duration_seconds</c> with
/// only the method, the route pattern (never the URL) and the status code as labels.
/// </summary>
public static class MetricsEndpoint
{
    public const string Path = "/metrics";

    private const string AspNetCoreHostingMeter = "Microsoft.AspNetCore.Hosting";

    /// <summary>Registers the exporter over <paramref name="meters"/> (and the request durations).</summary>
    public static IServiceCollection AddKeelsonMetrics(this IServiceCollection services, params string[] meters)
    {
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter([.. meters, AspNetCoreHostingMeter])
            .AddView("http.server.request.duration", new ExplicitBucketHistogramConfiguration
            {
                Name = "keelson.http.server.request.duration",
                Description = "Time the server took to answer HTTP requests, by method, route pattern and status code.",
                TagKeys = ["http.request.method", "http.route", "http.response.status_code"],
                Boundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
            })
            // The rest of ASP.NET Core's meter (connections, routing) is not Keelson's to name.
            .AddView(instrument => instrument.Meter.Name == AspNetCoreHostingMeter && instrument.Name != "http.server.request.duration"
                ? MetricStreamConfiguration.Drop : null)
            .AddPrometheusExporter(exporter =>
            {
                exporter.ScrapeEndpointPath = Path;
                // Each scrape sees the counts of that moment (Prometheus scrapes seldom; tests scrape right after a request).
                exporter.ScrapeResponseCacheDurationMilliseconds = 0;
                exporter.ScopeInfoEnabled = false;
                exporter.TargetInfoEnabled = false;
            }));
        return services;
    }

    /// <summary>Maps <see cref="Path"/>.</summary>
    public static void MapKeelsonMetrics(this WebApplication app) => app.MapPrometheusScrapingEndpoint(Path);
}
