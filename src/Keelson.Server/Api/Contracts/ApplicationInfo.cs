namespace Keelson.Server.Api.Contracts;

/// <summary>An application: a product whose machines check for updates (CoreOS is seeded).</summary>
public sealed record ApplicationInfo(string Id, string Name, string Description, DateTimeOffset CreatedAt);
