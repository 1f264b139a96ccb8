namespace Keelson.Server.Api.Contracts;

/// <summary>Points a channel at the very package another channel has; moving to an older version needs Force.</summary>
public sealed record PromoteRequest(string? From, bool Force = false);
