namespace Keelson.Server.Security;

/// <summary>Who presented a token: the token's name and its role.</summary>
public sealed record Caller(string Name, Role Role)
{
    /// <summary>Whether this caller's role has <paramref name="permission"/>.</summary>
    public bool Can(Permission permission) => Roles.Allows(Role, permission);
}
