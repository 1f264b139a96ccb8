namespace Keelson.Server.Api.Contracts;

/// <summary>One status change of a machine.</summary>
public sealed record HistoryEntry(string Status, string Version, string? UpdateVersion, long? ErrorCode, string? Message, DateTimeOffset At);
