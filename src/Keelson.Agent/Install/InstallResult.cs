using Keelson.Disks;

namespace Keelson.Agent.Install;

/// <summary>What an install left: the version now in the passive slot, and that slot as marked (tries 1, top priority).</summary>
public sealed record InstallResult(string Version, UsrSlot Slot);
