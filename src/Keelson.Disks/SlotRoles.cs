namespace Keelson.Disks;

/// <summary>Which slot runs the system now (active) and which one an update is written into (passive).</summary>
/// <param name="Active">The slot the running system booted from.</param>
/// <param name="Passive">The other slot: the install target.</param>
public sealed record SlotRoles(UsrSlot Active, UsrSlot Passive);
