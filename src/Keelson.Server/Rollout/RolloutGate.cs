using System.Globalization;
using Keelson.Coordination;

namespace Keelson.Server.Rollout;

/// <summary>
/// Decides whether one machine may be granted its group's current version now. The rules are checked
/// cheapest first, so the common refusals cost no query.
/// </summary>
public static class RolloutGate
{
    public static async Task<RolloutDecision> DecideAsync(
        RolloutPolicy policy,
        string machineId,
        string version,
        DateTimeOffset rolloutStarted,
        IRolloutCounts counts,
        DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        if (!policy.UpdatesEnabled)
        {
            return RolloutDecision.Hold(HoldReasons.Paused, policy.PausedReason ?? "updates are paused for the group");
        }

        if (policy.Windows.Count > 0 && !policy.Windows.Any(w => w.IsOpen(now, policy.TimeZone)))
        {
            return RolloutDecision.Hold(
                HoldReasons.OutsideWindow,
                $"outside the maintenance windows ({string.Join("; ", policy.Windows)} {policy.TimeZone.Id})");
        }

        var share = RolloutRamp.Share(rolloutStarted, policy.RampDuration, now);
        if (share < 1 && RolloutRamp.Place(machineId) >= share)
        {
            return RolloutDecision.Hold(HoldReasons.Ramp, string.Create(
                CultureInfo.InvariantCulture,
                $"rollout ramp at {share * 100:0.#}% of the group; this machine's place is {RolloutRamp.Place(machineId) * 100:0.#}%"));
        }

        if (policy.SafeMode
            && !await counts.AnyCompletedAsync(version, cancellationToken)
            && await counts.InProgressAsync(version, now - policy.UpdateTimeout, cancellationToken) > 0)
        {
            return RolloutDecision.Hold(HoldReasons.SafeMode, $"safe mode: waiting for the first machine to complete {version}");
        }

        if (policy.MaxUpdatesPerPeriod > 0)
        {
            var granted = await counts.GrantsSinceAsync(now - policy.Period, cancellationToken);
            if (granted >= policy.MaxUpdatesPerPeriod)
            {
                return RolloutDecision.Hold(HoldReasons.RateLimit, string.Create(
                    CultureInfo.InvariantCulture,
                    $"rate limit: {granted} of {policy.MaxUpdatesPerPeriod} updates per {GoDuration.Format(policy.Period)} already granted"));
            }
        }

        return RolloutDecision.Grant;
    }
}
