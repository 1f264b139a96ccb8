namespace Keelson.Server.Api.Contracts;

/// <summary>Points a channel at the package of a version; an older version than the current one needs Force.</summary>
public sealed record SetChannelRequest(string? Version, bool Force = false);
