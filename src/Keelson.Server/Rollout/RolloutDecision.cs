namespace Keelson.Server.Rollout;

/// <summary>The gate's answer: grant the update now, or hold the machine back for a reason shown to operators.</summary>
public readonly record struct RolloutDecision(bool Granted, string? HoldReason)
{
    public static RolloutDecision Grant { get; } = new(true, null);

    public static RolloutDecision Hold(string reason) => new(false, reason);
}
