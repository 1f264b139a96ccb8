namespace Keelson.Server.Api.Contracts;

/// <summary>Body of <c>POST /api/tokens</c>.</summary>
/// <param name="Name">1-64 letters, digits, '-', '_' or '.'; not "admin", the built-in token's.</param>
/// <param name="Role">viewer, operator, admin or machine.</param>
public sealed record CreateTokenRequest(string? Name, string? Role);
