namespace Keelson.Server.Rollout;

/// <summary>
/// Why a machine is held back, as a short fixed word: the <c>reason</c> label of <c>keelson_omaha_holds_total</c>.
/// The text shown to operators (<see cref="RolloutDecision.HoldReason"/>) says more; these stay few so that a
/// metric's label set is bounded.
/// </summary>
public static class HoldReasons
{
    /// <summary>The group's updates are paused (by an operator, or by safe mode after a failure).</summary>
    public const string Paused = "paused";

    /// <summary>Outside the group's maintenance windows.</summary>
    public const string OutsideWindow = "outside_window";

    /// <summary>The rollout ramp has not reached this machine's place yet.</summary>
    public const string Ramp = "ramp";

    /// <summary>Safe mode waits for the first machine to complete the version.</summary>
    public const string SafeMode = "safe_mode";

    /// <summary>The group's updates per period are used up.</summary>
    public const string RateLimit = "rate_limit";

    /// <summary>The machine rolled back from this version before and waits for a newer one.</summary>
    public const string RolledBack = "rolled_back";

    /// <summary>The machine's track names no group or channel.</summary>
    public const string NoGroup = "no_group";

    /// <summary>The request may not act for the machine (<c>--machine-trust</c>): it is never granted an update.</summary>
    public const string Untrusted = "untrusted";

    /// <summary>Every reason, for tests and dashboards.</summary>
    public static IReadOnlyList<string> All { get; } = [Paused, OutsideWindow, Ramp, SafeMode, RateLimit, RolledBack, NoGroup, Untrusted];
}
