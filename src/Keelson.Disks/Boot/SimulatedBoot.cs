namespace Keelson.Disks.Boot;

/// <summary>The outcome of one simulated boot.</summary>
/// <param name="Slot">The slot booted.</param>
/// <param name="PartitionUuid">Its PARTUUID, as <c>mount.usr=PARTUUID=</c> names it.</param>
/// <param name="TryCounted">The slot was on trial and the bootloader used up one of its tries.</param>
public sealed record SimulatedBoot(UsrSlotName Slot, Guid PartitionUuid, bool TryCounted);
