using System.Diagnostics.Metrics;
using Keelson.Coordination.FleetLock;

namespace Keelson.Server.FleetLock;

/// <summary>
/// FleetLock requests by operation and outcome (<c>keelson_fleetlock_requests_total</c>), on the update server and on
/// <c>keelson fleetlock serve</c>. Outcomes: <c>locked</c>, <c>released</c>, <c>unchanged</c> (a slot already held, or
/// none to release), or the protocol's error kind (<see cref="FleetLockErrorKinds"/>): a fixed set.
/// </summary>
public sealed class FleetLockMetrics
{
    public const string MeterName = "Keelson.FleetLock";

    private readonly Counter<long> _requests;

    public FleetLockMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _requests = meters.Create(MeterName).CreateCounter<long>("keelson.fleetlock.requests", "{request}",
            "FleetLock requests answered, by operation (pre_reboot, steady_state) and outcome (locked, released, unchanged, or the protocol's error kind).");
    }

    public void Answered(FleetLockOperation operation, FleetLockResponse answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        var outcome = answer switch
        {
            { IsSuccess: true, Changed: true } => operation == FleetLockOperation.PreReboot ? "locked" : "released",
            { IsSuccess: true } => "unchanged",
            { Error: { } error } => error.Kind,
            _ => FleetLockErrorKinds.GenericError,
        };
        _requests.Add(1,
            new KeyValuePair<string, object?>("operation", operation == FleetLockOperation.PreReboot ? "pre_reboot" : "steady_state"),
            new KeyValuePair<string, object?>("outcome", outcome));
    }
}
