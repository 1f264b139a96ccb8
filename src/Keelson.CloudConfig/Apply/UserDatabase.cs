using System.Globalization;
using System.Text.RegularExpressions;
using Keelson.CloudConfig.Model;

namespace Keelson.CloudConfig.Apply;

/// <summary>
/// The target's users and groups: <c>/etc/passwd</c>, <c>/etc/group</c>, <c>/etc/shadow</c> and (when present)
/// <c>/etc/gshadow</c>, written the way <c>useradd</c> and <c>chpasswd -e</c> would, plus Flatcar's read-only
/// <c>/usr/share/baselayout/passwd</c> and <c>group</c>, which nss-altfiles adds to lookups (that is where Flatcar's
/// <c>core</c> user lives). IDs are allocated as useradd's defaults do: users from 1000 up (past the highest in use),
/// system users and groups from 999 down; a user's own group takes the user's ID when it is free.
/// </summary>
internal sealed partial class UserDatabase
{
    public const string DefaultShell = "/bin/bash";
    public const uint UsersGroupId = 100;

    private const uint FirstUid = 1000;
    private const uint LastUid = 60000;
    private const uint FirstSystemUid = 101;
    private const uint LastSystemUid = 999;

    private readonly AccountTable _passwd;
    private readonly AccountTable _group;
    private readonly AccountTable _shadow;
    private readonly AccountTable _gshadow;
    private readonly List<string[]> _basePasswd;
    private readonly List<string[]> _baseGroup;

    private UserDatabase(AccountTable passwd, AccountTable group, AccountTable shadow, AccountTable gshadow, List<string[]> basePasswd, List<string[]> baseGroup)
    {
        _passwd = passwd;
        _group = group;
        _shadow = shadow;
        _gshadow = gshadow;
        _basePasswd = basePasswd;
        _baseGroup = baseGroup;
    }

    public static UserDatabase Load(RootFileSystem root)
    {
        const UnixFileMode readable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        const UnixFileMode secret = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        return new UserDatabase(
            AccountTable.Load(root, "/etc/passwd", readable),
            AccountTable.Load(root, "/etc/group", readable),
            AccountTable.Load(root, "/etc/shadow", secret),
            AccountTable.Load(root, "/etc/gshadow", secret),
            [.. AccountTable.Load(root, "/usr/share/baselayout/passwd", readable).Entries],
            [.. AccountTable.Load(root, "/usr/share/baselayout/group", readable).Entries]);
    }

    /// <summary>A user known to the target (its own files first, then the baselayout).</summary>
    public Account? FindUser(string name)
    {
        var fields = _passwd.Find(name) ?? _basePasswd.FirstOrDefault(e => e[0] == name);
        return fields is { Length: >= 7 } && TryId(fields[2], out var uid) && TryId(fields[3], out var gid)
            ? new Account(fields[0], uid, gid, fields[5])
            : null;
    }

    /// <summary>A group by name, or by number when <paramref name="nameOrId"/> is one.</summary>
    public uint? FindGroup(string nameOrId)
    {
        var fields = _group.Find(nameOrId) ?? _baseGroup.FirstOrDefault(e => e[0] == nameOrId);
        if (fields is { Length: >= 3 } && TryId(fields[2], out var gid))
        {
            return gid;
        }

        return TryId(nameOrId, out var number) ? number : null;
    }

    /// <summary>A user by name, or by number when <paramref name="nameOrId"/> is one.</summary>
    public uint? FindUserId(string nameOrId) =>
        FindUser(nameOrId)?.Uid ?? (TryId(nameOrId, out var number) ? number : null);

    /// <summary>Adds a user as <c>useradd</c> would with coreos-cloudinit's options; the reason when it cannot.</summary>
    public Account AddUser(UserSpec spec, string name, long today)
    {
        var home = spec.HomeDirectory is null ? "/home/" + name : RootPath.Normalize(spec.HomeDirectory);
        if (home is null || spec.HomeDirectory is { } given && !given.StartsWith('/'))
        {
            throw Refuse(name, $"homedir '{ShownValue.Of(spec.HomeDirectory ?? "")}' is not an absolute path inside the root");
        }

        CheckField(name, "gecos", spec.Gecos);
        CheckField(name, "homedir", home);
        CheckField(name, "shell", spec.Shell);
        CheckField(name, "passwd", spec.PasswordHash);
        foreach (var group in spec.Groups)
        {
            if (FindGroupLine(group) is null)
            {
                throw Refuse(name, $"group '{ShownValue.Of(group)}' does not exist");
            }
        }

        var uid = Allocate(UsedUids(), spec.System) ?? throw Refuse(name, "no free user ID is left");
        uint gid;
        if (spec.PrimaryGroup is { } primary)
        {
            gid = FindGroup(primary) ?? throw Refuse(name, $"primary_group '{ShownValue.Of(primary)}' does not exist");
        }
        else if (spec.NoUserGroup)
        {
            gid = UsersGroupId;
        }
        else
        {
            if (FindGroupLine(name) is not null)
            {
                throw Refuse(name, $"a group named '{name}' exists already; give it as primary_group to use it");
            }

            var usedGids = UsedGids();
            gid = !usedGids.Contains(uid) ? uid : Allocate(usedGids, spec.System) ?? throw Refuse(name, "no free group ID is left");
            _group.Add(name, "x", Id(gid), "");
            if (_gshadow.Exists)
            {
                _gshadow.Add(name, "!", "", "");
            }
        }

        _passwd.Add(name, "x", Id(uid), Id(gid), spec.Gecos ?? "", home, spec.Shell ?? DefaultShell);
        _shadow.Add(name, spec.PasswordHash ?? "*", Id(today), "0", "99999", "7", "", "", "");
        foreach (var group in spec.Groups)
        {
            AddMember(group, name);
        }

        return new Account(name, uid, gid, home);
    }

    /// <summary>
    /// Sets a user's password hash as <c>chpasswd -e</c> would. The date of the last change moves only when the hash
    /// does, so applying the same cloud-config again changes nothing.
    /// </summary>
    public void SetPassword(string name, string hash, long today)
    {
        CheckField(name, "passwd", hash);
        var found = _shadow.Update(name, fields =>
        {
            if (fields.Length < 3 || fields[1] == hash)
            {
                return fields;
            }

            var updated = (string[])fields.Clone();
            updated[1] = hash;
            updated[2] = Id(today);
            return updated;
        });
        if (!found)
        {
            _shadow.Add(name, hash, Id(today), "0", "99999", "7", "", "", "");
        }
    }

    /// <summary>The account files that changed, to be written with their mode and owner kept.</summary>
    public IEnumerable<AccountTable> ChangedTables() => new[] { _passwd, _group, _shadow, _gshadow }.Where(t => t.Changed);

    public static bool IsValidName(string name) => name.Length <= 32 && NamePattern().IsMatch(name);

    private void AddMember(string group, string user)
    {
        if (_group.Find(group) is null && _baseGroup.FirstOrDefault(e => e[0] == group) is { } baseline)
        {
            // A group of the read-only baselayout gets a line in /etc/group to carry its new member.
            _group.Add(baseline);
        }

        _group.Update(group, fields => WithMember(fields, 3, user));
        if (_gshadow.Exists && !_gshadow.Update(group, fields => WithMember(fields, 3, user)))
        {
            _gshadow.Add(group, "!", "", user);
        }
    }

    private static string[] WithMember(string[] fields, int index, string user)
    {
        if (fields.Length <= index)
        {
            return fields;
        }

        var members = fields[index].Split(',', StringSplitOptions.RemoveEmptyEntries).ToList();
        if (members.Contains(user))
        {
            return fields;
        }

        members.Add(user);
        var updated = (string[])fields.Clone();
        updated[index] = string.Join(',', members);
        return updated;
    }

    private string[]? FindGroupLine(string name) => _group.Find(name) ?? _baseGroup.FirstOrDefault(e => e[0] == name);

    private HashSet<uint> UsedUids() => [.. _passwd.Entries.Concat(_basePasswd).Select(e => e.Length > 2 && TryId(e[2], out var id) ? id : uint.MaxValue)];

    private HashSet<uint> UsedGids() => [.. _group.Entries.Concat(_baseGroup).Select(e => e.Length > 2 && TryId(e[2], out var id) ? id : uint.MaxValue)];

    private static uint? Allocate(HashSet<uint> used, bool system)
    {
        if (system)
        {
            for (var id = LastSystemUid; id >= FirstSystemUid; id--)
            {
                if (!used.Contains(id))
                {
                    return id;
                }
            }

            return null;
        }

        var highest = used.Where(id => id is >= FirstUid and <= LastUid).DefaultIfEmpty(FirstUid - 1).Max();
        return highest < LastUid ? highest + 1 : null;
    }

    private static void CheckField(string user, string key, string? value)
    {
        if (value is not null && value.AsSpan().IndexOfAny(":\n\r") >= 0)
        {
            throw Refuse(user, $"{key} must not contain ':' or a line break");
        }
    }

    private static CloudConfigException Refuse(string user, string reason) => new($"cannot create user '{ShownValue.Of(user)}': {reason}");

    private static bool TryId(string text, out uint id) => uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out id);

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^[a-z_][a-z0-9_-]*\$?$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    /// <summary>A user as the target knows it.</summary>
    public sealed record Account(string Name, uint Uid, uint Gid, string Home);
}
