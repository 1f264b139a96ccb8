using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Keelson.CloudConfig.Apply;
using Keelson.CloudConfig.Model;

namespace Keelson.CloudConfig;

/// <summary>
/// Writes what a cloud-config asks for into a target root directory, as coreos-cloudinit would on first boot, and
/// nothing outside it. The whole apply is planned and checked before the first byte is written: an invalid
/// document, a path that leaves the root (by <c>..</c> or a symbolic link pointing outside), an unknown owner or
/// group is refused with nothing changed. Applying the same document twice gives byte-identical files.
/// </summary>
/// <remarks>
/// Paths written (on the target machine): <c>/etc/hostname</c>; <c>/etc/passwd</c>, <c>/etc/group</c>,
/// <c>/etc/shadow</c> (and <c>/etc/gshadow</c> when present) plus home directories for <c>users</c>;
/// <c>~/.ssh/authorized_keys.d/coreos-cloudinit</c> and the merged <c>~/.ssh/authorized_keys</c> for SSH keys;
/// <c>write_files</c>; <c>/etc/coreos/update.conf</c> (GROUP, SERVER, REBOOT_STRATEGY and the locksmith reboot
/// window REBOOT_WINDOW_START/LENGTH, which Keelson's agent reads there); <see cref="LocksConfPath"/> for the agent's
/// etcd reboot-lock settings; <c>/etc/hosts</c>; <c>/etc/oem-release</c>; systemd units, drop-ins, enablement links
/// and masks; the etcd, etcd2, flanneld, fleet and locksmithd environment drop-ins under <c>/run/systemd/system</c>.
/// </remarks>
public sealed partial class CloudConfigApplier(TimeProvider timeProvider)
{
    /// <summary>The name of the SSH key set coreos-cloudinit adds under <c>~/.ssh/authorized_keys.d</c>.</summary>
    public const string SshKeyName = "coreos-cloudinit";

    /// <summary>
    /// Where the agent finds its reboot-lock settings: <c>coreos.locksmith</c>'s endpoint, group and etcd credentials
    /// as locksmithd's <c>LOCKSMITHD_*</c> variables, in update.conf's <c>KEY=value</c> format, mode 0600 (it may
    /// hold a password).
    /// </summary>
    public const string LocksConfPath = "/etc/keelson/locks.conf";

    private const string UpdateConfPath = "/etc/coreos/update.conf";
    private const string DefaultUpdateConfPath = "/usr/share/coreos/update.conf";
    private const string DropInName = "20-cloudinit.conf";
    private const string OemReleasePath = "/etc/oem-release";

    private const UnixFileMode Readable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Where systemd looks for unit files, in its order of precedence.</summary>
    private static readonly string[] s_unitDirectories =
        ["/etc/systemd/system", "/run/systemd/system", "/usr/local/lib/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system"];

    /// <summary>Applies <paramref name="document"/> to the directory <paramref name="root"/>.</summary>
    /// <exception cref="CloudConfigException">The document is not a valid cloud-config, or the apply was refused or failed.</exception>
    public ApplyResult Apply(CloudConfigDocument document, string root)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(root);
        switch (document.Kind)
        {
            case DocumentKind.Script:
                throw new CloudConfigException("this is a script (#!), not a cloud-config; Keelson applies cloud-configs only");
            case DocumentKind.Empty:
                return new ApplyResult([], []);
            case DocumentKind.Ignition:
                return new ApplyResult([], [document.Notice!]);
        }

        if (document.Data is not { } data)
        {
            throw new CloudConfigException("the cloud-config is invalid; nothing was written:\n"
                + string.Join('\n', document.Report.Entries.Where(e => e.Kind == Validation.EntryKind.Error)));
        }

        var plan = new ApplyPlan(new RootFileSystem(root));
        var today = timeProvider.GetUtcNow().ToUnixTimeSeconds() / 86400;
        Guard(plan, () => PlanHostname(plan, data));
        // The account files are read only when something needs them, so that a root without them still takes the rest.
        var needsAccounts = data.Users.Count > 0 || data.SshAuthorizedKeys.Count > 0 || data.WriteFiles.Any(f => f.Owner is not null);
        var users = needsAccounts ? Guard(plan, () => UserDatabase.Load(plan.Root)) : null;
        if (users is not null)
        {
            Guard(plan, () => PlanUsers(plan, data, users, today));
            Guard(plan, () => PlanSshKeys(plan, data, users));
        }

        if (users is not null || !needsAccounts)
        {
            Guard(plan, () => PlanWriteFiles(plan, data, users));
        }

        Guard(plan, () => PlanUpdateConf(plan, data));
        Guard(plan, () => PlanEtcHosts(plan, data));
        Guard(plan, () => PlanOemRelease(plan, data));
        Guard(plan, () => PlanLocks(plan, data));
        Guard(plan, () => PlanUnits(plan, data));
        return plan.Execute();
    }

    private static void PlanHostname(ApplyPlan plan, CloudConfigData data)
    {
        if (data.Hostname is not { } hostname)
        {
            return;
        }

        if (hostname.Length > 64 || !HostnamePattern().IsMatch(hostname))
        {
            plan.Refuse($"hostname '{ShownValue.Of(hostname)}' is not a host name (dot-separated labels of letters, digits and '-', at most 64 characters)");
            return;
        }

        plan.Write("/etc/hostname", Encoding.UTF8.GetBytes(hostname + "\n"), Readable);
    }

    private static void PlanUsers(ApplyPlan plan, CloudConfigData data, UserDatabase users, long today)
    {
        var homes = new List<(string Home, Owner Owner)>();
        foreach (var user in data.Users)
        {
            if (user.Name is not { } name)
            {
                plan.Note($"skipped the users item at line {user.Line}: it has no name");
                continue;
            }

            if (!UserDatabase.IsValidName(name))
            {
                plan.Refuse($"cannot create user '{ShownValue.Of(name)}': not a user name (lowercase letters, digits, '_' and '-', at most 32 characters)");
                continue;
            }

            try
            {
                if (users.FindUser(name) is not null)
                {
                    // As coreos-cloudinit: an existing user only gets its password set.
                    if (user.PasswordHash is { } hash)
                    {
                        users.SetPassword(name, hash, today);
                    }

                    continue;
                }

                var account = users.AddUser(user, name, today);
                if (!user.NoCreateHome)
                {
                    homes.Add((account.Home, new Owner(account.Uid, account.Gid)));
                }
            }
            catch (CloudConfigException e)
            {
                plan.Refuse(e.Message);
            }
        }

        foreach (var table in users.ChangedTables())
        {
            plan.Write(table.Path, table.Content(), table.Mode, table.FileOwner);
        }

        foreach (var (home, owner) in homes)
        {
            plan.Directory(home, ApplyPlan.DirectoryMode, owner);
        }
    }

    /// <summary>
    /// update-ssh-keys' layout: the keys go to <c>~/.ssh/authorized_keys.d/coreos-cloudinit</c> and
    /// <c>authorized_keys</c> is rebuilt from every file there in name order (empty files are disabled sets). The first
    /// time, an existing <c>authorized_keys</c> is kept as the set <c>orig_authorized_keys</c>. Top-level keys go to
    /// <c>core</c>; a user with keys in both places gets both.
    /// </summary>
    private static void PlanSshKeys(ApplyPlan plan, CloudConfigData data, UserDatabase users)
    {
        var keys = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (name, userKeys) in data.Users.Where(u => u.Name is not null).Select(u => (u.Name!, u.SshAuthorizedKeys))
            .Append(("core", data.SshAuthorizedKeys)).Where(k => k.Item2.Count > 0))
        {
            (keys.TryGetValue(name, out var list) ? list : keys[name] = []).AddRange(userKeys);
        }

        foreach (var (name, userKeys) in keys)
        {
            if (users.FindUser(name) is not { } account)
            {
                plan.Refuse($"cannot authorize SSH keys for '{ShownValue.Of(name)}': no such user in /etc/passwd or /usr/share/baselayout/passwd");
                continue;
            }

            if (RootPath.Normalize(account.Home) is not { } home || !account.Home.StartsWith('/'))
            {
                plan.Refuse($"cannot authorize SSH keys for '{ShownValue.Of(name)}': its home '{ShownValue.Of(account.Home)}' is not an absolute path inside the root");
                continue;
            }

            var owner = new Owner(account.Uid, account.Gid);
            var ssh = RootPath.Combine(home, ".ssh");
            var keysDirectory = RootPath.Combine(ssh, "authorized_keys.d");
            var authorizedKeys = RootPath.Combine(ssh, "authorized_keys");
            plan.Directory(home, ApplyPlan.DirectoryMode, owner);
            plan.Directory(ssh, PrivateDirectory, owner);
            var firstTime = !Exists(plan.Root, keysDirectory);
            plan.Directory(keysDirectory, PrivateDirectory, owner);
            if (firstTime && plan.Root.ReadBytes(authorizedKeys) is { Length: > 0 } original)
            {
                plan.Write(RootPath.Combine(keysDirectory, "orig_authorized_keys"), original, Private, owner);
            }

            var set = string.Join('\n', userKeys.Select(k => k.Trim()).Where(k => k.Length > 0)) + "\n";
            plan.Write(RootPath.Combine(keysDirectory, SshKeyName), Encoding.UTF8.GetBytes(set), Private, owner);

            var merged = new StringBuilder();
            foreach (var file in plan.Root.List(keysDirectory).Concat(plan.PlannedNamesIn(keysDirectory)).Where(n => !n.StartsWith('.'))
                .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                var path = RootPath.Combine(keysDirectory, file);
                var content = plan.Planned(path) is FileChange planned ? planned.Content : plan.Root.ReadBytes(path) ?? [];
                var text = Encoding.UTF8.GetString(content);
                if (text.Length > 0)
                {
                    merged.Append(text);
                    if (!text.EndsWith('\n'))
                    {
                        merged.Append('\n');
                    }
                }
            }

            plan.Write(authorizedKeys, Encoding.UTF8.GetBytes(merged.ToString()), Private, owner);
        }
    }

    // users is null only when no file has an owner.
    private static void PlanWriteFiles(ApplyPlan plan, CloudConfigData data, UserDatabase? users)
    {
        foreach (var file in data.WriteFiles)
        {
            if (file.Path is null)
            {
                plan.Refuse($"write_files item at line {file.Line} has no path");
                continue;
            }

            if (RootPath.Normalize(file.Path) is not { } path)
            {
                plan.Refuse($"refusing write_files path '{ShownValue.Of(file.Path)}': it climbs out of the root");
                continue;
            }

            var mode = file.Permissions is { } permissions ? (UnixFileMode)Convert.ToInt32(permissions, 8) : Readable;
            Owner? owner = null;
            if (file.Owner is { } ownerText)
            {
                owner = ResolveOwner(users!, ownerText, out var error);
                if (owner is null)
                {
                    plan.Refuse($"refusing write_files path '{ShownValue.Of(file.Path)}': owner '{ShownValue.Of(ownerText)}': {error}");
                    continue;
                }
            }

            plan.Write(path, file.Content, mode, owner);
        }
    }

    /// <summary>
    /// chown's <c>USER</c>, <c>USER:GROUP</c>, <c>USER:</c> (the user's login group) and <c>:GROUP</c>, by name or
    /// number, looked up in the target's account files (including users this apply creates). The part chown would
    /// leave alone stays root's, as the file is newly written by root.
    /// </summary>
    private static Owner? ResolveOwner(UserDatabase users, string text, out string error)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var userPart = colon < 0 ? text : text[..colon];
        var groupPart = colon < 0 ? null : text[(colon + 1)..];
        uint uid = 0;
        uint gid = 0;
        if (userPart.Length > 0)
        {
            if (users.FindUserId(userPart) is not { } found)
            {
                error = $"no user '{ShownValue.Of(userPart)}' in /etc/passwd";
                return null;
            }

            uid = found;
            if (groupPart is "")
            {
                gid = users.FindUser(userPart)?.Gid ?? 0;
            }
        }

        if (groupPart is { Length: > 0 })
        {
            if (users.FindGroup(groupPart) is not { } group)
            {
                error = $"no group '{ShownValue.Of(groupPart)}' in /etc/group";
                return null;
            }

            gid = group;
        }

        error = "";
        return new Owner(uid, gid);
    }

    /// <summary>
    /// update.conf gets the <c>coreos.update</c> keys and the locksmith reboot window, merged into what write_files
    /// put there in this apply, else the existing file, else the image's default.
    /// </summary>
    private static void PlanUpdateConf(ApplyPlan plan, CloudConfigData data)
    {
        var settings = data.Update.Settings
            .Concat(data.Locksmith.Where(l => l.Variable.StartsWith("REBOOT_WINDOW_", StringComparison.Ordinal)))
            .ToList();
        if (settings.Count == 0)
        {
            return;
        }

        var existing = plan.Planned(UpdateConfPath) is FileChange written
            ? Encoding.UTF8.GetString(written.Content)
            : plan.Root.ReadText(UpdateConfPath) ?? plan.Root.ReadText(DefaultUpdateConfPath) ?? "";
        plan.Write(UpdateConfPath, Encoding.UTF8.GetBytes(UpdateConfMerge.Merge(existing, settings)), Readable);
    }

    private static void PlanEtcHosts(ApplyPlan plan, CloudConfigData data)
    {
        if (data.ManageEtcHosts != "localhost")
        {
            return;
        }

        // coreos-cloudinit names the machine's hostname, which the hostname key has just set.
        var hostname = data.Hostname ?? (plan.Root.ReadText("/etc/hostname")?.Trim() is { Length: > 0 } existing ? existing : "localhost");
        plan.Write("/etc/hosts", Encoding.UTF8.GetBytes($"127.0.0.1 {hostname}\n"), Readable);
    }

    /// <summary>coreos-cloudinit's /etc/oem-release: ID and VERSION_ID as they are, the other fields quoted as Go quotes strings.</summary>
    private static void PlanOemRelease(ApplyPlan plan, CloudConfigData data)
    {
        if (data.Oem is not { } oem)
        {
            return;
        }

        var text = new StringBuilder()
            .Append("ID=").Append(oem.Id).Append('\n')
            .Append("VERSION_ID=").Append(oem.VersionId).Append('\n')
            .Append("NAME=").Append(GoQuote(oem.Name)).Append('\n')
            .Append("HOME_URL=").Append(GoQuote(oem.HomeUrl)).Append('\n')
            .Append("BUG_REPORT_URL=").Append(GoQuote(oem.BugReportUrl)).Append('\n');
        plan.Write(OemReleasePath, Encoding.UTF8.GetBytes(text.ToString()), Readable);
    }

    /// <summary>A double-quoted string with Go's escapes for quotes, backslashes and control characters (values here are single lines).</summary>
    private static string GoQuote(string? value)
    {
        var quoted = new StringBuilder("\"");
        foreach (var c in value ?? "")
        {
            _ = c switch
            {
                '"' or '\\' => quoted.Append('\\').Append(c),
                '\t' => quoted.Append("\\t"),
                < ' ' or '\x7f' => quoted.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}"),
                _ => quoted.Append(c),
            };
        }

        return quoted.Append('"').ToString();
    }

    private static void PlanLocks(ApplyPlan plan, CloudConfigData data)
    {
        var settings = data.Locksmith.Where(l => l.Variable.StartsWith("LOCKSMITHD_", StringComparison.Ordinal)).ToList();
        if (settings.Count == 0)
        {
            return;
        }

        var text = new StringBuilder("# Reboot-lock settings from cloud-config (coreos.locksmith), read by the Keelson agent.\n");
        foreach (var (variable, value) in settings)
        {
            if (Quote(value) is not { } quoted)
            {
                plan.Refuse($"coreos.locksmith: the value of {variable} has both kinds of quotes and cannot be written to {LocksConfPath}");
                return;
            }

            text.Append(variable).Append('=').Append(quoted).Append('\n');
        }

        plan.Write(LocksConfPath, Encoding.UTF8.GetBytes(text.ToString()), Private);
    }

    /// <summary>A value as update.conf's reader takes it back: quoted when it would otherwise be trimmed or cut at " #".</summary>
    private static string? Quote(string value)
    {
        var plain = value.Trim() == value && !value.Contains(" #", StringComparison.Ordinal) && !value.StartsWith('"') && !value.StartsWith('\'');
        return plain ? value : !value.Contains('"', StringComparison.Ordinal) ? $"\"{value}\"" : !value.Contains('\'', StringComparison.Ordinal) ? $"'{value}'" : null;
    }

    private static void PlanUnits(ApplyPlan plan, CloudConfigData data)
    {
        var units = data.Units.ToList();
        foreach (var service in data.ServiceEnvironments)
        {
            units.Add(Synthesized(service.Unit, runtime: true, dropIn: EnvironmentDropIn(service.Variables)));
        }

        // As coreos-cloudinit: reboot-strategy off masks locksmithd for this boot, any other strategy unmasks it.
        if (data.Update.RebootStrategy is { } strategy)
        {
            units.Add(Synthesized("locksmithd.service", runtime: true, mask: strategy == "off", command: strategy == "off" ? "stop" : "restart"));
        }

        if (data.Update.Settings.Any(s => s.Key is "GROUP" or "SERVER"))
        {
            units.Add(Synthesized("update-engine.service", runtime: false, command: "restart"));
        }

        var restartNetworkd = false;
        foreach (var unit in units)
        {
            if (unit.Name is not { } name)
            {
                plan.Note($"skipped the unit at line {unit.Line}: it has no name");
                continue;
            }

            if (!IsUnitName(name))
            {
                plan.Refuse($"unit name '{ShownValue.Of(name)}' is not a systemd unit name");
                continue;
            }

            var network = UnitType(name) is "network" or "netdev" or "link";
            var directory = (unit.Runtime ? "/run" : "/etc") + (network ? "/systemd/network" : "/systemd/system");
            var destination = RootPath.Combine(directory, name);
            if (unit.Content is { } content && !unit.Mask)
            {
                plan.Write(destination, Encoding.UTF8.GetBytes(content), Readable);
            }

            foreach (var (dropInName, dropInContent) in unit.DropIns)
            {
                if (dropInName is null || dropInContent is null)
                {
                    continue;
                }

                if (dropInName is "." or ".." || dropInName.Contains('/', StringComparison.Ordinal))
                {
                    plan.Refuse($"drop-in name '{ShownValue.Of(dropInName)}' of {name} is not a file name");
                    continue;
                }

                plan.Write(RootPath.Combine(destination + ".d", dropInName), Encoding.UTF8.GetBytes(dropInContent), Readable);
            }

            if (unit.Mask)
            {
                plan.Link(destination, "/dev/null");
            }
            else if (unit.Runtime && plan.Planned(destination) is null && IsMask(plan.Root, destination))
            {
                plan.Remove(destination);
            }

            if (unit.Enable)
            {
                if (unit.Mask)
                {
                    plan.Refuse($"unit {name} is both masked and enabled");
                }
                else if (network)
                {
                    plan.Note($"not enabled: {name} (network units need no enabling; coreos-cloudinit skips them)");
                }
                else
                {
                    Enable(plan, name, unit.Runtime, []);
                }
            }

            if (network)
            {
                restartNetworkd = true;
            }
            else if (unit.Command is { } command)
            {
                plan.Note($"not run: systemctl {command} {name} (apply writes files only)");
            }
        }

        if (restartNetworkd)
        {
            plan.Note("not run: systemctl restart systemd-networkd.service (apply writes files only)");
        }
    }

    /// <summary>
    /// <c>systemctl enable</c>: links the unit's file into each <c>WantedBy=</c> target's <c>.wants</c> and each
    /// <c>RequiredBy=</c> target's <c>.requires</c> directory, adds its <c>Alias=</c> names and enables its
    /// <c>Also=</c> units; under /run for a runtime unit.
    /// </summary>
    private static void Enable(ApplyPlan plan, string name, bool runtime, HashSet<string> done)
    {
        if (!done.Add(name))
        {
            return;
        }

        if (name.Contains("@.", StringComparison.Ordinal))
        {
            plan.Note($"not enabled: {name} is a template; enable an instance of it (name@instance{name[name.IndexOf('.', StringComparison.Ordinal)..]})");
            return;
        }

        if (FindUnitFile(plan, name) is not { } fragment)
        {
            plan.Refuse($"cannot enable {name}: no unit file for it in {string.Join(", ", s_unitDirectories)}, and the cloud-config gives no content");
            return;
        }

        if (fragment.Masked)
        {
            plan.Refuse($"cannot enable {name}: {fragment.Path} masks it");
            return;
        }

        var install = UnitInstallSection.Parse(fragment.Content);
        if (install.IsEmpty)
        {
            plan.Note($"not enabled: {name} has no [Install] section (WantedBy=, RequiredBy=, Alias=, Also=)");
            return;
        }

        var links = (runtime ? "/run" : "/etc") + "/systemd/system";
        foreach (var (targets, suffix) in new[] { (install.WantedBy, ".wants"), (install.RequiredBy, ".requires") })
        {
            foreach (var target in targets)
            {
                if (!IsUnitName(target))
                {
                    plan.Refuse($"cannot enable {name}: '{ShownValue.Of(target)}' in its [Install] section is not a unit name");
                    continue;
                }

                plan.Link(RootPath.Combine(RootPath.Combine(links, target + suffix), name), fragment.Path);
            }
        }

        foreach (var alias in install.Alias)
        {
            if (IsUnitName(alias))
            {
                plan.Link(RootPath.Combine(links, alias), fragment.Path);
            }
            else
            {
                plan.Refuse($"cannot enable {name}: alias '{ShownValue.Of(alias)}' is not a unit name");
            }
        }

        foreach (var also in install.Also.Where(IsUnitName))
        {
            Enable(plan, also, runtime, done);
        }
    }

    /// <summary>The unit's file where systemd would find it first: planned in this apply, else in the root.</summary>
    private static (string Path, string Content, bool Masked)? FindUnitFile(ApplyPlan plan, string name)
    {
        var at = name.IndexOf('@', StringComparison.Ordinal);
        var template = at < 0 ? null : name[..(at + 1)] + name[name.LastIndexOf('.')..];
        foreach (var directory in s_unitDirectories)
        {
            foreach (var candidate in template is null ? [name] : new[] { name, template })
            {
                var path = RootPath.Combine(directory, candidate);
                switch (plan.Planned(path))
                {
                    case FileChange file:
                        return (path, Encoding.UTF8.GetString(file.Content), false);
                    case LinkChange { Target: "/dev/null" }:
                        return (path, "", true);
                    case RemoveChange:
                        continue;
                }

                if (IsMask(plan.Root, path))
                {
                    return (path, "", true);
                }

                if (plan.Root.ReadText(path) is { } content)
                {
                    return (path, content, false);
                }
            }
        }

        return null;
    }

    /// <summary>A masked unit: a link to /dev/null or an empty file (systemd's own test).</summary>
    private static bool IsMask(RootFileSystem root, string path)
    {
        var host = root.HostPath(path, followLast: false);
        return RootFileSystem.TypeOf(host) switch
        {
            NodeType.Symlink => new FileInfo(host).LinkTarget == "/dev/null",
            NodeType.File => new FileInfo(host).Length == 0,
            _ => false,
        };
    }

    private static bool Exists(RootFileSystem root, string path) => RootFileSystem.TypeOf(root.HostPath(path, followLast: true)) != NodeType.Missing;

    private static UnitSpec Synthesized(string name, bool runtime, string? dropIn = null, bool mask = false, string? command = null) =>
        new(0, name, mask, false, runtime, null, command, dropIn is null ? [] : [(DropInName, dropIn)]);

    /// <summary>coreos-cloudinit's environment drop-in: <c>[Service]</c> and one <c>Environment="KEY=value"</c> per setting.</summary>
    private static string EnvironmentDropIn(IEnumerable<(string Variable, string Value)> settings)
    {
        var text = new StringBuilder("[Service]\n");
        foreach (var (variable, value) in settings)
        {
            text.Append(CultureInfo.InvariantCulture, $"Environment=\"{variable}={value}\"\n");
        }

        return text.ToString();
    }

    private static string UnitType(string name) => name[(name.LastIndexOf('.') + 1)..];

    private static bool IsUnitName(string name) => name.Length <= 255 && UnitNamePattern().IsMatch(name);

    [GeneratedRegex(@"^[A-Za-z0-9:_\\-][A-Za-z0-9:_.\\@-]*\.[a-z]+$", RegexOptions.CultureInvariant)]
    private static partial Regex UnitNamePattern();

    [GeneratedRegex(@"^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$", RegexOptions.CultureInvariant)]
    private static partial Regex HostnamePattern();

    /// <summary>Runs one part of the planning; a refusal there is recorded and the rest of the plan still checked.</summary>
    private static void Guard(ApplyPlan plan, Action part) => Guard(plan, () =>
    {
        part();
        return true;
    });

    private static T? Guard<T>(ApplyPlan plan, Func<T> part)
    {
        try
        {
            return part();
        }
        catch (CloudConfigException e)
        {
            plan.Refuse(e.Message);
            return default;
        }
    }
}
