using Keelson.Agent.Host;
using Keelson.Disks;

namespace Keelson.Agent.Engine;

/// <summary>What was decided about this boot (<c>KEELSON_BOOT</c>): marked good (by the health checks or by hand), or unhealthy.</summary>
/// <param name="Slot">The booted slot.</param>
/// <param name="Version">The version it runs.</param>
/// <param name="Good">Marked good.</param>
/// <param name="ByHand">Marked good with <c>keelson agent mark-good</c>.</param>
/// <param name="Health">The health checks' failures, when unhealthy.</param>
/// <param name="Fallback">The slot the unhealthy boot falls back to; null when there is none and the machine stays.</param>
public sealed record BootVerdict(UsrSlotName Slot, string Version, bool Good, bool ByHand, HealthReport? Health, UsrSlotName? Fallback)
{
    public static BootVerdict MarkedGood(UsrSlotName slot, string version, bool byHand) => new(slot, version, true, byHand, null, null);

    public static BootVerdict Unhealthy(UsrSlotName slot, string version, HealthReport health, UsrSlotName? fallback) => new(slot, version, false, false, health, fallback);

    public string Describe() => this switch
    {
        { Good: true, ByHand: true } => $"{Slot.Label()} ({Version}) was marked good by hand",
        { Good: true } => $"{Slot.Label()} ({Version}) is marked good",
        { Fallback: null } => $"{Slot.Label()} ({Version}) failed its health checks: {Health}; {Slot.Other().Label()} cannot be booted either, so the machine stays on {Slot.Label()}",
        _ => $"{Slot.Label()} ({Version}) failed its health checks: {Health}",
    };
}
