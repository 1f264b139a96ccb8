namespace Keelson.Server.Api.Contracts;

/// <summary>A token just created, with its secret: the only time the secret is shown.</summary>
public sealed record CreatedToken(string Name, string Role, string Secret, DateTimeOffset CreatedAt);
