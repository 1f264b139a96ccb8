using Keelson.Coordination.Etcd;

namespace Keelson.Agent.Configuration;

/// <summary>
/// Where the reboot lock lives: etcd (locksmithd's <c>LOCKSMITHD_*</c> settings, which cloud-config writes to
/// <c>/etc/keelson/locks.conf</c>) or a FleetLock server (<c>KEELSON_FLEETLOCK_URL</c>).
/// </summary>
/// <param name="Etcd">The etcd cluster; null when no <c>LOCKSMITHD_ENDPOINT</c> is set.</param>
/// <param name="EtcdGroup">locksmith's group (<c>LOCKSMITHD_GROUP</c>); empty for the default semaphore.</param>
/// <param name="FleetLockUrl">The FleetLock server's base URL.</param>
/// <param name="FleetLockGroup">The FleetLock group (<c>KEELSON_FLEETLOCK_GROUP</c>, default <c>default</c>, as Zincati's).</param>
public sealed record RebootLockSettings(EtcdSettings? Etcd, string EtcdGroup, Uri? FleetLockUrl, string FleetLockGroup)
{
    public static RebootLockSettings None { get; } = new(null, "", null, "default");
}
