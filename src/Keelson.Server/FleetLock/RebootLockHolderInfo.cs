namespace Keelson.Server.FleetLock;

/// <summary>A machine holding a reboot slot, by the id it gave, since it took the slot.</summary>
public sealed record RebootLockHolderInfo(string Id, DateTimeOffset Since);
