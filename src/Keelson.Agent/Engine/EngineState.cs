using Keelson.Agent.Omaha;
using Keelson.Agent.State;
using Keelson.Agent.Status;
using Keelson.Disks;

namespace Keelson.Agent.Engine;

/// <summary>
/// Where the update engine is: one closed hierarchy of immutable records, one per state, each holding what that
/// state needs and nothing else (Zincati's <c>UpdateAgentState</c> is the model). The engine's loop is the only
/// writer; it moves from one state to the next through <see cref="EngineTransitions"/>, which refuses any move the
/// table does not allow. <c>keelson agent status</c>, the events and the error codes are derived from the state.
/// </summary>
/// <remarks>
/// The life of a boot: <see cref="Starting"/>, then <see cref="BootPendingVerdict"/> on a trial boot (health checks
/// decide), then <see cref="Idle"/> between checks, <see cref="Checking"/>, <see cref="Downloading"/>,
/// <see cref="Installing"/>, and <see cref="UpdateInstalled"/> / <see cref="WaitingForReboot"/> until the strategy
/// allows <see cref="Rebooting"/>; a failed update goes through <see cref="ReportingError"/> back to idle, a failed
/// reboot command to <see cref="RebootFailed"/>, which tries again.
/// </remarks>
public abstract record EngineState
{
    private EngineState()
    {
    }

    public abstract EngineStateKind Kind { get; }

    /// <summary>The name <c>keelson agent status</c> shows (<c>KEELSON_STATE</c>), e.g. <c>waiting-for-reboot</c>.</summary>
    public string Name => NameOf(Kind);

    /// <summary>The name of a kind of state, as <see cref="Name"/> gives it.</summary>
    public static string NameOf(EngineStateKind kind) => kind switch
    {
        EngineStateKind.Starting => "starting",
        EngineStateKind.BootPendingVerdict => "boot-pending-verdict",
        EngineStateKind.Idle => "idle",
        EngineStateKind.Checking => "checking",
        EngineStateKind.Downloading => "downloading",
        EngineStateKind.Installing => "installing",
        EngineStateKind.ReportingError => "reporting-error",
        EngineStateKind.UpdateInstalled => "update-installed",
        EngineStateKind.WaitingForReboot => "waiting-for-reboot",
        EngineStateKind.Rebooting => "rebooting",
        EngineStateKind.RebootFailed => "reboot-failed",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>update_engine's name for the state (<c>CURRENT_OP</c>).</summary>
    public UpdateStatus Operation => this switch
    {
        Checking => UpdateStatus.CheckingForUpdate,
        Downloading => UpdateStatus.Downloading,
        Installing => UpdateStatus.Verifying,
        ReportingError => UpdateStatus.ReportingErrorEvent,
        UpdateInstalled or WaitingForReboot => UpdateStatus.UpdatedNeedReboot,
        Rebooting { Cause.Update: not null } or RebootFailed { Cause.Update: not null } => UpdateStatus.UpdatedNeedReboot,
        _ => UpdateStatus.Idle,
    };

    /// <summary>The engine has started; the boot is not settled yet.</summary>
    public sealed record Starting : EngineState
    {
        public override EngineStateKind Kind => EngineStateKind.Starting;
    }

    /// <summary>A trial boot (the booted slot is not marked good): its health is checked at <paramref name="ChecksAt"/>.</summary>
    public sealed record BootPendingVerdict(UsrSlotName Slot, string Version, DateTimeOffset ChecksAt) : EngineState
    {
        public override EngineStateKind Kind => EngineStateKind.BootPendingVerdict;
    }

    /// <summary>Waiting for the next check at <paramref name="NextCheck"/>; null when checking is disabled.</summary>
    public sealed record Idle(DateTimeOffset? NextCheck) : EngineState
    {
        public override EngineStateKind Kind => EngineStateKind.Idle;
    }

    /// <summary>An Omaha update check is under way; <paramref name="Interactive"/> when asked for (<c>keelson agent check</c>).</summary>
    public sealed record Checking(bool Interactive) : EngineState
    {
        public override EngineStateKind Kind => EngineStateKind.Checking;
    }

    /// <summary>The offered payload is being downloaded (resumed where a previous try stopped).</summary>
    public sealed record Downloading(UpdateOffer Offer, double Progress) : EngineState
    {
        public override EngineStateKind Kind => EngineStateKind.Downloading;
    }

    /// <summary>The payload is being verified and written into the passive slot.</summary>
    public sealed record Installing(UpdateOffer Offer, double Progress) : EngineState
    {
        public override EngineStateKind Kind => EngineStateKind.Installing;
    }

    /// <summary>The update to <paramref name="Offer"/> failed; the failure is being reported to the server.</summary>
    public sealed record ReportingError(UpdateOffer Offer, EngineFailure Failure) : EngineState
    {
        public override EngineStateKind Kind => EngineStateKind.ReportingError;
    }

    /// <summary>An update is installed and boots next; the reboot strategy is being asked (window, lock).</summary>
    public sealed record UpdateInstalled(InstalledUpdate Update) : EngineState
    {
        public override EngineStateKind Kind => EngineStateKind.UpdateInstalled;
    }

    /// <summary>An installed update waits for the reboot window or a slot of the reboot lock, as <paramref name="Wait"/> says.</summary>
    public sealed record WaitingForReboot(InstalledUpdate Update, RebootWait Wait) : EngineState
    {
        public override EngineStateKind Kind => EngineStateKind.WaitingForReboot;
    }

    /// <summary>The machine reboots into <paramref name="Target"/>.</summary>
    public sealed record Rebooting(UsrSlotName Target, RebootCause Cause) : EngineState
    {
        public override EngineStateKind Kind => EngineStateKind.Rebooting;
    }

    /// <summary>The reboot into <paramref name="Target"/> failed; it is tried again at <paramref name="RetryAt"/>.</summary>
    public sealed record RebootFailed(UsrSlotName Target, RebootCause Cause, EngineFailure Failure, DateTimeOffset RetryAt) : EngineState
    {
        public override EngineStateKind Kind => EngineStateKind.RebootFailed;
    }
}
