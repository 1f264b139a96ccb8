namespace Keelson.Cli.Demo;

/// <summary>The fleet at one moment: each group's progress and the machines that are busy.</summary>
internal sealed record FleetView(IReadOnlyList<GroupProgress> Groups, IReadOnlyList<MachineActivity> Busy);
