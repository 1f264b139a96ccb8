namespace Keelson.Server.FleetLock;

/// <summary><c>PUT /api/reboot-locks/{group}</c>: how many machines of the group may reboot at once (0 stops reboots).</summary>
public sealed record SetRebootLockSlotsRequest(int? Slots = null);
