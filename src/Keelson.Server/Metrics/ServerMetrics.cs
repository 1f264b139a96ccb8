using System.Diagnostics;
using System.Diagnostics.Metrics;
using Keelson.Omaha;
using Keelson.Server.Updates;

namespace Keelson.Server.Metrics;

/// <summary>
/// The update service's instruments (meter <see cref="MeterName"/>), exported at <c>GET /metrics</c> in Prometheus'
/// text format. Counters only on the Omaha path, with labels from small fixed sets (<see cref="CheckOutcomes"/>,
/// <see cref="Rollout.HoldReasons"/>, <see cref="OmahaErrorCodes.MetricLabel"/>): never a machine id or free text.
/// The fleet gauge is read at scrape time from the <see cref="FleetSampler"/>'s last sample, not from the database.
/// </summary>
public sealed class ServerMetrics
{
    public const string MeterName = "Keelson.Server";

    private readonly Counter<long> _checks;
    private readonly Counter<long> _grants;
    private readonly Counter<long> _holds;
    private readonly Counter<long> _events;

    public ServerMetrics(IMeterFactory meters, FleetSampler fleet)
    {
        ArgumentNullException.ThrowIfNull(meters);
        ArgumentNullException.ThrowIfNull(fleet);
        var meter = meters.Create(MeterName);
        _checks = meter.CreateCounter<long>("keelson.omaha.checks", "{check}",
            "Omaha requests answered, one per app in the request, by outcome (routine, noupdate, granted, reoffered, held, events_only, unknown_app, refused, error).");
        _grants = meter.CreateCounter<long>("keelson.omaha.grants", "{grant}",
            "Updates granted to machines, by group.");
        _holds = meter.CreateCounter<long>("keelson.omaha.holds", "{hold}",
            "Update checks the rollout policy held back, by reason (paused, outside_window, ramp, safe_mode, rate_limit, rolled_back, no_group).");
        _events = meter.CreateCounter<long>("keelson.omaha.events", "{event}",
            "Omaha events machines reported, by event type, result and error code (the code's name in OmahaErrorCodes; none for successes).");
        meter.CreateObservableGauge("keelson.fleet.machines", () => Machines(fleet.Latest), "{machine}",
            "Machines by group, status and version, as of the fleet sampler's last sample (once a minute).");
        meter.CreateObservableGauge("keelson.fleet.sample.timestamp", () => fleet.Latest is { } sample ? sample.TakenAt.ToUnixTimeMilliseconds() / 1000.0 : double.NaN, "s",
            "When the fleet sampler last counted the machines (Unix time).");
    }

    /// <summary>One app of an Omaha request answered with <paramref name="outcome"/> (one of <see cref="CheckOutcomes"/>).</summary>
    public void Checked(string outcome) => _checks.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void Granted(string group) => _grants.Add(1, new KeyValuePair<string, object?>("group", group));

    /// <summary>A hold for <paramref name="reason"/>, one of <see cref="Rollout.HoldReasons"/>.</summary>
    public void Held(string reason)
    {
        _checks.Add(1, new KeyValuePair<string, object?>("outcome", CheckOutcomes.Held));
        _holds.Add(1, new KeyValuePair<string, object?>("reason", reason));
    }

    /// <summary>Counts the events of a request that was read (before it is handled: every event counts, acted on or not).</summary>
    public void Received(OmahaRequest request)
    {
        if (!_events.Enabled)
        {
            return;
        }

        foreach (var app in request.Apps)
        {
            foreach (var omahaEvent in app.Events)
            {
                var tags = new TagList
                {
                    { "type", EventTypeLabel(omahaEvent.Type) },
                    { "result", EventResultLabel(omahaEvent.Result) },
                    { "error_code", omahaEvent.Result == OmahaEventResult.Error ? OmahaErrorCodes.MetricLabel(omahaEvent.ErrorCode ?? OmahaErrorCodes.Error) : "" },
                };
                _events.Add(1, tags);
            }
        }
    }

    public static string EventTypeLabel(OmahaEventType type) => type switch
    {
        OmahaEventType.DownloadComplete => "download_complete",
        OmahaEventType.InstallComplete => "install_complete",
        OmahaEventType.UpdateComplete => "update_complete",
        OmahaEventType.Uninstall => "uninstall",
        OmahaEventType.DownloadStarted => "download_started",
        OmahaEventType.InstallStarted => "install_started",
        OmahaEventType.UpdateDownloadStarted => "update_download_started",
        OmahaEventType.UpdateDownloadFinished => "update_download_finished",
        _ => "unknown",
    };

    public static string EventResultLabel(OmahaEventResult result) => result switch
    {
        OmahaEventResult.Error => "error",
        OmahaEventResult.Success => "success",
        OmahaEventResult.SuccessReboot => "success_reboot",
        OmahaEventResult.UpdateDeferred => "update_deferred",
        _ => "unknown",
    };

    private static IEnumerable<Measurement<long>> Machines(FleetSample? sample)
    {
        if (sample is null)
        {
            yield break;
        }

        foreach (var count in sample.Counts)
        {
            yield return new Measurement<long>(count.Machines, new TagList
            {
                { "group", count.Group },
                { "status", count.Status },
                { "version", count.Version },
            });
        }
    }
}
