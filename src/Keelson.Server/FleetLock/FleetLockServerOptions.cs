using Keelson.Coordination.Etcd;
using Keelson.Coordination.FleetLock;

namespace Keelson.Server.FleetLock;

/// <summary>How <c>keelson fleetlock serve</c> was started; bound from the command line.</summary>
public sealed class FleetLockServerOptions
{
    /// <summary>Where it listens when no address is given (Airlock's port, on loopback).</summary>
    public static Uri DefaultListen { get; } = new("http://127.0.0.1:3333");

    /// <summary>Addresses to listen on; port 0 picks a free port.</summary>
    public IList<Uri> Listen { get; } = [];

    /// <summary>HTTPS: the certificate and key served (reloaded when they change), and the CA of required client certificates.</summary>
    public Keelson.Tls.ServerTlsSettings? Tls { get; set; }

    /// <summary>The etcd cluster that holds the semaphores, shared by every replica.</summary>
    public EtcdSettings? Etcd { get; set; }

    /// <summary>
    /// Which requests may take or free a machine's slot: any, or only those whose client certificate names the machine
    /// (<see cref="Trust.MachineTrustMode.Certificate"/>). This server keeps no tokens.
    /// </summary>
    public Trust.MachineTrustMode MachineTrust { get; set; } = Trust.MachineTrustMode.Any;

    /// <summary>The slots of each group: one reboot at a time unless configured otherwise.</summary>
    public FleetLockSlots Slots { get; set; } = new(1);

    /// <summary>FleetLock requests a minute from one address; 0: no limit.</summary>
    public int RequestsPerMinute { get; set; } = FleetLockLimits.DefaultPerMinute;

    /// <summary>Groups kept at most; a machine asking for a slot of a new group beyond it gets 429. 0: no cap.</summary>
    public int MaxGroups { get; set; } = FleetLockLimits.DefaultGroups;

    /// <summary>Connections open at once; 0: no cap.</summary>
    public int MaxConnections { get; set; } = ServerLimits.DefaultConnections;

    /// <summary>Reverse proxies whose <c>X-Forwarded-For</c> names the client (for per-address limits and logs).</summary>
    public IList<System.Net.IPNetwork> TrustedProxies { get; } = [];
}
