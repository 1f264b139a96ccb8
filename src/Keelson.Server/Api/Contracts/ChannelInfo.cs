namespace Keelson.Server.Api.Contracts;

/// <summary>A channel and the package it points at.</summary>
public sealed record ChannelInfo(string Name, string? Version, string? PackageId, DateTimeOffset UpdatedAt);
