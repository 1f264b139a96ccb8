using Keelson.Disks;

namespace Keelson.Agent.Simulation;

/// <summary>A reboot the agent asked a simulated machine for.</summary>
/// <param name="Slot">The slot expected to boot next.</param>
/// <param name="Kexec">Straight into <paramref name="Slot"/> (kexec), not through the bootloader's selection.</param>
public sealed record SimulatedReboot(UsrSlotName Slot, bool Kexec);
