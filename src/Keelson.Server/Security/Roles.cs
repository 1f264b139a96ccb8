using System.Collections.Frozen;

namespace Keelson.Server.Security;

/// <summary>
/// The one table of what each role may do. The admin API, the dashboard (its pages and its actions) and the
/// machines' endpoints all ask here; nothing else decides.
/// </summary>
public static class Roles
{
    private static readonly FrozenDictionary<Role, FrozenSet<Permission>> s_table = new Dictionary<Role, FrozenSet<Permission>>
    {
        [Role.Machine] = new[] { Permission.ActAsMachine }.ToFrozenSet(),
        [Role.Viewer] = new[] { Permission.Read }.ToFrozenSet(),
        [Role.Operator] = new[] { Permission.Read, Permission.Operate }.ToFrozenSet(),
        [Role.Admin] = new[] { Permission.Read, Permission.Operate, Permission.Administer }.ToFrozenSet(),
    }.ToFrozenDictionary();

    /// <summary>Every role, in the order they are listed to users.</summary>
    public static IReadOnlyList<Role> All { get; } = [Role.Viewer, Role.Operator, Role.Admin, Role.Machine];

    public static bool Allows(Role role, Permission permission) => s_table[role].Contains(permission);

    /// <summary>The roles that have <paramref name="permission"/>, for a refusal to name.</summary>
    public static IReadOnlyList<Role> With(Permission permission) => [.. All.Where(role => Allows(role, permission))];

    /// <summary>The role's name as the API and the CLI spell it: viewer, operator, admin, machine.</summary>
    public static string Name(Role role) => role.ToString().ToLowerInvariant();

    public static bool TryParse(string? text, out Role role)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(Name(candidate), text, StringComparison.Ordinal))
            {
                role = candidate;
                return true;
            }
        }

        role = default;
        return false;
    }

    /// <summary>Why <paramref name="caller"/> is refused <paramref name="permission"/>: the roles that would do, and theirs.</summary>
    public static string Refusal(Caller caller, Permission permission) =>
        $"this needs the role {string.Join(" or ", With(permission).Select(Name))}; token '{caller.Name}' has the role {Name(caller.Role)}";
}
