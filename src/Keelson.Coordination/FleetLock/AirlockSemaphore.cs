namespace Keelson.Coordination.FleetLock;

/// <summary>
/// A group's semaphore as Airlock keeps it in etcd: <c>{"total_slots":N,"holders":["id",...]}</c>, holders sorted
/// ordinally and unique.
/// </summary>
internal sealed record AirlockSemaphore(long TotalSlots, IReadOnlyList<string>? Holders);
