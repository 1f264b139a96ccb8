namespace Keelson.Server.Api.Contracts;

/// <summary>One machine with its status history, newest first.</summary>
public sealed record InstanceDetail(InstanceInfo Instance, IReadOnlyList<HistoryEntry> History);
