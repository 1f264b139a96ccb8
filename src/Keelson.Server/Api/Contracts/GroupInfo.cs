namespace Keelson.Server.Api.Contracts;

/// <summary>A group, its rollout policy (durations in Go notation, e.g. 1h30m) and where its rollout stands.</summary>
public sealed record GroupInfo(
    string Name,
    string Channel,
    string? Version,
    bool UpdatesEnabled,
    string? PausedReason,
    bool SafeMode,
    int MaxUpdatesPerPeriod,
    string Period,
    string UpdateTimeout,
    IReadOnlyList<string> Windows,
    string TimeZone,
    string Ramp,
    DateTimeOffset? RolloutStartedAt,
    double RolloutShare);
