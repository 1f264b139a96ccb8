namespace Keelson.Server.Api.Contracts;

/// <summary>Creates an application; without an id a new UUID is chosen.</summary>
public sealed record CreateApplicationRequest(string? Id, string? Name, string? Description);
