namespace Keelson.Cli.Demo;

/// <summary>What one machine is doing now: its phase, and in words (<see cref="What"/> is empty when it is idle).</summary>
internal sealed record MachineActivity(string Name, string Group, string Running, MachinePhase Phase, string What);
