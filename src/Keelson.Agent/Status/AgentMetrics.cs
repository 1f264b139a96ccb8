using System.Diagnostics.Metrics;
using System.Net;
using Keelson.Agent.Engine;
using Keelson.Omaha;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Keelson.Agent.Status;

/// <summary>
/// The agent's metrics, served at <c>GET /metrics</c> in Prometheus' text format on <c>KEELSON_METRICS_LISTEN</c>
/// (off by default): the engine's state (one series per state, 1 for the current one), the progress of a download
/// or install, the last check's time, the booted slot and version (an info series), and failures by error code.
/// All but the failures are read from the published state at scrape time, so the engine does no work for them.
/// </summary>
public sealed class AgentMetrics : IDisposable
{
    public const string MeterName = "Keelson.Agent";

    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _errors;
    private readonly MeterProvider _provider;

    private AgentMetrics(UpdateAgent agent, IPEndPoint listen)
    {
        _errors = _meter.CreateCounter<long>("keelson.agent.errors", "{error}",
            "Update failures the agent recorded, by error code (its name in OmahaErrorCodes: payload_hash_mismatch, rollback, ...).");
        _meter.CreateObservableGauge("keelson.agent.state", () => States(agent.State.Kind), null,
            "The update engine's state: 1 for the state it is in, 0 for the others.");
        _meter.CreateObservableGauge("keelson.agent.update.progress", () => agent.Status.Progress, "1",
            "Progress of the download or install under way, from 0 to 1 (1 once an update is installed).");
        _meter.CreateObservableGauge("keelson.agent.last_check.timestamp", () => LastCheck(agent.Status), "s",
            "When the agent last checked for an update (Unix time); absent before the first check.");
        _meter.CreateObservableGauge("keelson.agent.boot.info", () => BootInfo(agent), null,
            "Always 1: the booted slot and the version it runs, as labels.");
        _provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(MeterName)
            .AddPrometheusHttpListener(exporter =>
            {
                exporter.Host = Host(listen);
                exporter.Port = listen.Port;
                exporter.ScrapeResponseCacheDurationMilliseconds = 0;
                exporter.ScopeInfoEnabled = false;
                exporter.TargetInfoEnabled = false;
            })
            .Build();
    }

    /// <summary>Starts serving <paramref name="agent"/>'s metrics on <paramref name="listen"/>.</summary>
    /// <exception cref="HttpListenerException">The address cannot be listened on (in use, not this machine's).</exception>
    public static AgentMetrics Serve(UpdateAgent agent, IPEndPoint listen)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(listen);
        return new AgentMetrics(agent, listen);
    }

    /// <summary>The URL the metrics are served at, as HttpListener names it (<c>+</c> for every address).</summary>
    public static string Url(IPEndPoint listen)
    {
        ArgumentNullException.ThrowIfNull(listen);
        return $"http://{Host(listen)}:{listen.Port}/metrics";
    }

    private static string Host(IPEndPoint listen) =>
        listen.Address.Equals(IPAddress.Any) || listen.Address.Equals(IPAddress.IPv6Any) ? "+"
        : listen.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{listen.Address}]"
        : listen.Address.ToString();

    /// <summary>A failure with <paramref name="code"/> was recorded.</summary>
    public void Failed(long code) => _errors.Add(1, new KeyValuePair<string, object?>("code", OmahaErrorCodes.MetricLabel(code)));

    private static IEnumerable<Measurement<int>> States(EngineStateKind current)
    {
        foreach (var kind in Enum.GetValues<EngineStateKind>())
        {
            yield return new Measurement<int>(kind == current ? 1 : 0, new KeyValuePair<string, object?>("state", EngineState.NameOf(kind)));
        }
    }

    private static IEnumerable<Measurement<double>> LastCheck(AgentStatus status)
    {
        if (status.LastChecked is { } checkedAt)
        {
            yield return new Measurement<double>(checkedAt.ToUnixTimeMilliseconds() / 1000.0);
        }
    }

    private static IEnumerable<Measurement<int>> BootInfo(UpdateAgent agent)
    {
        if (agent.BootedSlot is { Length: > 0 } slot)
        {
            yield return new Measurement<int>(1, new KeyValuePair<string, object?>("slot", slot), new KeyValuePair<string, object?>("version", agent.RunningVersion));
        }
    }

    public void Dispose()
    {
        _provider.Dispose();
        _meter.Dispose();
    }
}
