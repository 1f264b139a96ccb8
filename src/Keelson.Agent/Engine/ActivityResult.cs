using Keelson.Agent.Host;
using Keelson.Agent.Install;
using Keelson.Agent.Omaha;

namespace Keelson.Agent.Engine;

/// <summary>What a long step of the engine (an activity run beside the loop) came back with; the loop acts on it.</summary>
internal abstract record ActivityResult
{
    private ActivityResult()
    {
    }

    /// <summary>A wait ended: the next check is due, or a failed reboot is to be tried again.</summary>
    public sealed record TimerFired : ActivityResult;

    public sealed record HealthChecked(HealthReport Report) : ActivityResult;

    public sealed record Checked(UpdateCheckResult Result) : ActivityResult;

    public sealed record Downloaded : ActivityResult;

    public sealed record Installed(InstallResult Result) : ActivityResult;

    /// <summary>The reboot strategy allows the reboot now, with the reboot lock held if it needs one.</summary>
    public sealed record RebootAllowed(HeldRebootLock? Lock) : ActivityResult;
}
