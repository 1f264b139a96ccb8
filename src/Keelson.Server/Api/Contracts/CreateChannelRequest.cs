namespace Keelson.Server.Api.Contracts;

/// <summary>Creates an empty channel.</summary>
public sealed record CreateChannelRequest(string? Name);
