namespace Keelson.Server.Rollout;

/// <summary>
/// The gate's answer: grant the update now, or hold the machine back for a reason shown to operators
/// (<see cref="HoldReason"/>) and counted in metrics (<see cref="HoldKind"/>, one of <see cref="HoldReasons"/>).
/// </summary>
public readonly record struct RolloutDecision(bool Granted, string? HoldReason)
{
    public static RolloutDecision Grant { get; } = new(true, null);

    /// <summary>One of <see cref="HoldReasons"/>; null for a grant.</summary>
    public string? HoldKind { get; init; }

    public static RolloutDecision Hold(string kind, string reason) => new(false, reason) { HoldKind = kind };
}
