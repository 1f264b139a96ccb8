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

    /// <summary>The slots of each group: one reboot at a time unless configured otherwise.</summary>
    public FleetLockSlots Slots { get; set; } = new(1);
}
