namespace Keelson.Agent.Configuration;

/// <summary>What the agent does once an update is installed (<c>REBOOT_STRATEGY</c>).</summary>
public enum RebootStrategy
{
    /// <summary>etcd-lock when the machine is part of a cluster, otherwise reboot (the default).</summary>
    BestEffort,

    /// <summary>Take a slot of the reboot semaphore in etcd, then reboot.</summary>
    EtcdLock,

    /// <summary>Reboot as soon as the update is installed, inside the reboot window if one is set.</summary>
    Reboot,

    /// <summary>Never reboot; the update waits on the passive slot.</summary>
    Off,

    /// <summary>Take a slot from a FleetLock server, then reboot.</summary>
    FleetLock,
}
