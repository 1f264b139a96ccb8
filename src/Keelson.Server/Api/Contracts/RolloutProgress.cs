namespace Keelson.Server.Api.Contracts;

/// <summary>
/// Where a group's rollout stands: every machine of the group is in exactly one of OnTarget, Updating, OnHold,
/// Failed and NotYetOffered (see <see cref="Rollout.RolloutStage"/>); the lists break them down.
/// </summary>
/// <param name="Target">The version of the group's channel; null when the channel has no package.</param>
/// <param name="UpdatingByStatus">Updating machines per status (UpdateGranted, Downloading, ...).</param>
/// <param name="HoldReasons">Held-back machines per reason, the reason's first clause (e.g. "rate limit").</param>
/// <param name="FailedByError">Failed and rolled-back machines per error (e.g. "rollback (44)").</param>
public sealed record RolloutProgress(
    string? Target,
    long Total,
    long OnTarget,
    long Updating,
    long OnHold,
    long Failed,
    long NotYetOffered,
    IReadOnlyList<Tally> UpdatingByStatus,
    IReadOnlyList<Tally> HoldReasons,
    IReadOnlyList<Tally> FailedByError,
    IReadOnlyList<Tally> Versions,
    IReadOnlyList<Tally> Statuses);
