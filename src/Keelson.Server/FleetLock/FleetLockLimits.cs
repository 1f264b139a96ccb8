using Keelson.Limits;

namespace Keelson.Server.FleetLock;

/// <summary>FleetLock's limits, the same on the update server and on <c>keelson fleetlock serve</c>.</summary>
public static class FleetLockLimits
{
    /// <summary>A machine asks at most every few seconds while it waits for a slot; hundreds behind one address fit.</summary>
    public const int DefaultPerMinute = 600;

    /// <summary>Far more reboot groups than a fleet names, far fewer than a flood makes.</summary>
    public const int DefaultGroups = 1000;

    public static RateLimit Requests(int perMinute) => new("fleetlock", "FleetLock requests", "--limit-fleetlock", perMinute);

    public static Cap Groups(int max) => new("fleetlock-groups", "FleetLock groups", "--limit-fleetlock-groups", max);
}
