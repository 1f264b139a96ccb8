namespace Keelson.Server.Api.Contracts;

/// <summary>
/// Creates a group (Name and Channel required) or changes one (every field optional; absent fields keep
/// their value). Durations in Go notation (30m, 1h30m); windows like "Mon-Fri 09:00 8h"; an IANA time zone.
/// </summary>
public sealed record GroupRequest(
    string? Name = null,
    string? Channel = null,
    bool? UpdatesEnabled = null,
    bool? SafeMode = null,
    int? MaxUpdatesPerPeriod = null,
    string? Period = null,
    string? UpdateTimeout = null,
    IReadOnlyList<string>? Windows = null,
    string? TimeZone = null,
    string? Ramp = null);
