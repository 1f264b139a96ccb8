namespace Keelson.Server.Api.Contracts;

/// <summary>One entry of the activity log.</summary>
/// <param name="By">The token a change was made with; null for what machines and the server itself did.</param>
/// <param name="From">The address that change came from.</param>
public sealed record ActivityEntry(
    long Id,
    string Kind,
    string Severity,
    string? Group,
    string? Channel,
    string? Version,
    string? MachineId,
    string Message,
    DateTimeOffset At,
    string? By = null,
    string? From = null);
