namespace Keelson.Cli.Demo;

/// <summary>
/// Where one group stands, as the update service sees it: the version its channel points at, how many of its
/// machines run that version, whether the group is halted, and who holds its reboot slots.
/// </summary>
/// <param name="Machines">The group's machines in the demo (the server may not have seen all of them yet).</param>
/// <param name="HaltedBecause">The reason updates are paused, or null while they flow.</param>
/// <param name="SlotHolders">The names of the machines holding a reboot slot of the group's FleetLock.</param>
internal sealed record GroupProgress(
    string Name, string? Version, int OnVersion, int Machines, string? HaltedBecause, int Slots, IReadOnlyList<string> SlotHolders);
