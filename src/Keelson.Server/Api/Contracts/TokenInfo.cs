namespace Keelson.Server.Api.Contracts;

/// <summary>A token as <c>GET /api/tokens</c> lists it: never its secret.</summary>
/// <param name="Name">The token's name, which the activity log records for every change made with it.</param>
/// <param name="Role">viewer, operator, admin or machine.</param>
/// <param name="BuiltIn">The server's own admin token (DATA/admin-token, --admin-token-file or $KEELSON_ADMIN_TOKEN).</param>
/// <param name="CreatedAt">When it was created; null for the built-in one.</param>
/// <param name="CreatedBy">The token that created it; null for the built-in one.</param>
/// <param name="LastUsedAt">When it was last presented (the built-in one: to this replica since it started).</param>
public sealed record TokenInfo(string Name, string Role, bool BuiltIn, DateTimeOffset? CreatedAt, string? CreatedBy, DateTimeOffset? LastUsedAt);
