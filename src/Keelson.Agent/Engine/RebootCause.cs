using Keelson.Agent.State;
using Keelson.Disks;

namespace Keelson.Agent.Engine;

/// <summary>Why the machine reboots: an installed update, an unhealthy boot falling back, or a rollback by hand.</summary>
/// <param name="Update">The update that boots next, when that is the reason.</param>
/// <param name="UnhealthyVersion">The version whose boot was unhealthy, when that is the reason.</param>
public sealed record RebootCause(InstalledUpdate? Update, string? UnhealthyVersion)
{
    public static RebootCause Installed(InstalledUpdate update) => new(update, null);

    public static RebootCause Unhealthy(string version) => new(null, version);

    public static RebootCause ByHand { get; } = new(null, null);

    /// <summary>For the log and <c>KEELSON_REBOOT</c>.</summary>
    public string Describe(UsrSlotName target) => (Update, UnhealthyVersion) switch
    {
        ({ } update, _) => $"the update to {update.Version} is installed in {update.Slot.Label()}",
        (null, { } version) => $"the boot of {version} is unhealthy; falling back to {target.Label()}",
        _ => $"rolling back to {target.Label()} by hand",
    };
}
