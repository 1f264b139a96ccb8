namespace Keelson.Server.Api.Contracts;

/// <summary>One entry of the activity log.</summary>
public sealed record ActivityEntry(
    long Id,
    string Kind,
    string Severity,
    string? Group,
    string? Channel,
    string? Version,
    string? MachineId,
    string Message,
    DateTimeOffset At);
