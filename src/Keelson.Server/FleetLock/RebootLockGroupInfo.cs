namespace Keelson.Server.FleetLock;

/// <summary>A reboot group of the server's FleetLock semaphores: how many machines may reboot at once, and who holds a slot.</summary>
public sealed record RebootLockGroupInfo(string Group, int Slots, IReadOnlyList<RebootLockHolderInfo> Holders);
