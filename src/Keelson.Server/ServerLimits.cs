using Keelson.Limits;

namespace Keelson.Server;

/// <summary>
/// The update service's limits against floods from clients without credentials; each is on by default and 0 turns
/// it off. Rates count per source address (behind a trusted proxy, the address it forwards) and per minute.
/// </summary>
/// <remarks>
/// The defaults let hundreds of machines behind one NAT address check every ~45 minutes, report their events and
/// download, and stop a single address from creating thousands of machines or reboot groups in seconds.
/// </remarks>
public sealed class ServerLimits
{
    /// <summary>Omaha requests (<c>/v1/update/</c>) a minute from one address.</summary>
    public int ChecksPerMinute { get; set; } = 1200;

    /// <summary>Machines never seen before, a minute from one address; a new machine over it is answered 429 and not recorded.</summary>
    public int NewMachinesPerMinute { get; set; } = 120;

    /// <summary>Payload requests (GET and HEAD, ranges included) a minute from one address.</summary>
    public int DownloadsPerMinute { get; set; } = 600;

    /// <summary>FleetLock requests (<c>/v1/pre-reboot</c>, <c>/v1/steady-state</c>) a minute from one address.</summary>
    public int FleetLockPerMinute { get; set; } = Server.FleetLock.FleetLockLimits.DefaultPerMinute;

    /// <summary>FleetLock groups the server keeps at most; a machine asking for a slot of a new group beyond it gets 429.</summary>
    public int FleetLockGroups { get; set; } = Server.FleetLock.FleetLockLimits.DefaultGroups;

    /// <summary>Connections open at once; Kestrel closes any beyond.</summary>
    public int Connections { get; set; } = DefaultConnections;

    public const int DefaultConnections = 10_000;

    public RateLimit Checks => new("checks", "Omaha requests", "--limit-checks", ChecksPerMinute);

    public RateLimit NewMachines => new("new-machines", "machines never seen before", "--limit-new-machines", NewMachinesPerMinute);

    public RateLimit Downloads => new("downloads", "payload requests", "--limit-downloads", DownloadsPerMinute);

    public RateLimit FleetLock => Server.FleetLock.FleetLockLimits.Requests(FleetLockPerMinute);

    public Cap Groups => Server.FleetLock.FleetLockLimits.Groups(FleetLockGroups);

    public Cap ConnectionCap => ConnectionsCap(Connections);

    /// <summary>The connection cap of every Keelson service, named alike.</summary>
    public static Cap ConnectionsCap(int max) => new("connections", "connections open at once", "--limit-connections", max);

    /// <summary>Every limit off: for benchmarks that drive many machines from one address.</summary>
    public void TurnOff()
    {
        ChecksPerMinute = NewMachinesPerMinute = DownloadsPerMinute = FleetLockPerMinute = FleetLockGroups = Connections = 0;
    }

    /// <summary>Fails fast on a negative limit.</summary>
    public void Validate()
    {
        foreach (var (value, setting) in new[]
        {
            (ChecksPerMinute, "--limit-checks"), (NewMachinesPerMinute, "--limit-new-machines"), (DownloadsPerMinute, "--limit-downloads"),
            (FleetLockPerMinute, "--limit-fleetlock"), (FleetLockGroups, "--limit-fleetlock-groups"), (Connections, "--limit-connections"),
        })
        {
            if (value < 0)
            {
                throw new ArgumentOutOfRangeException(setting, value, $"{setting} must be 0 (off) or more");
            }
        }
    }
}
