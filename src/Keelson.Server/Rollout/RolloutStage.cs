using Keelson.Omaha;
using Keelson.Server.Updates;

namespace Keelson.Server.Rollout;

/// <summary>The parts of a group's rollout bar; every machine is in exactly one.</summary>
public enum RolloutStage
{
    OnTarget,
    Updating,
    OnHold,
    Failed,
    NotYetOffered,
}

/// <summary>The one rule that puts a machine in a <see cref="RolloutStage"/>.</summary>
public static class RolloutStages
{
    /// <summary>
    /// A failure or a rollback first (status Error, or a hold whose last error is a rollback), then a hold, then
    /// an update in progress; otherwise the machine is on target when it runs the channel's version or a newer one
    /// (machines are never downgraded), and not yet offered when the channel has a newer one - the rule that decides
    /// an offer.
    /// </summary>
    public static RolloutStage Classify(string status, string version, long? lastErrorCode, string? target)
    {
        if (status == InstanceStatus.Error
            || (status == InstanceStatus.OnHold && lastErrorCode is { } code && OmahaErrorCodes.WithoutFlags(code) == OmahaErrorCodes.Rollback))
        {
            return RolloutStage.Failed;
        }

        if (status == InstanceStatus.OnHold)
        {
            return RolloutStage.OnHold;
        }

        if (InstanceStatus.IsInProgress(status))
        {
            return RolloutStage.Updating;
        }

        return OmahaVersion.IsNewer(target, version) ? RolloutStage.NotYetOffered : RolloutStage.OnTarget;
    }

    /// <summary>The first clause of a hold reason, so that machines held for the same cause count together.</summary>
    public static string ReasonHeadline(string? reason)
    {
        if (string.IsNullOrWhiteSpace(reason))
        {
            return "held back";
        }

        var end = reason.IndexOfAny([':', ';']);
        return (end > 0 ? reason[..end] : reason).Trim();
    }
}
