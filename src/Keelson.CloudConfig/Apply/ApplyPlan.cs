namespace Keelson.CloudConfig.Apply;

/// <summary>
/// Everything an apply will do, gathered first. <see cref="Execute"/> checks the whole plan against the root (every
/// path resolved inside it, nothing in the way, owners settable) and writes only if all of it passes; files that
/// already hold what is planned are left untouched, so applying twice changes nothing the second time.
/// </summary>
internal sealed class ApplyPlan(RootFileSystem root)
{
    /// <summary>0755, for the directories an apply creates on the way.</summary>
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private readonly List<PlannedChange> _changes = [];
    private readonly List<string> _notes = [];
    private readonly List<string> _refusals = [];

    /// <summary>Directories this apply created on the way to something else, still to get their planned mode and owner.</summary>
    private readonly HashSet<string> _createdOnTheWay = new(StringComparer.Ordinal);

    public RootFileSystem Root => root;

    public void Write(string path, byte[] content, UnixFileMode mode, Owner? owner = null) => _changes.Add(new FileChange(path, content, mode, owner));

    public void Link(string path, string target) => _changes.Add(new LinkChange(path, target));

    public void Directory(string path, UnixFileMode mode, Owner? owner) => _changes.Add(new DirectoryChange(path, mode, owner));

    public void Remove(string path) => _changes.Add(new RemoveChange(path));

    public void Note(string note) => _notes.Add(note);

    public void Refuse(string reason) => _refusals.Add(reason);

    /// <summary>The last planned change of a path, if any.</summary>
    public PlannedChange? Planned(string path) => _changes.LastOrDefault(c => c.Path == path);

    /// <summary>Names of the entries planned directly inside a directory.</summary>
    public IEnumerable<string> PlannedNamesIn(string directory) =>
        _changes.Where(c => RootPath.Parent(c.Path) == directory && c.Path != directory).Select(c => RootPath.Name(c.Path));

    public ApplyResult Execute()
    {
        // Of several changes to one path the last wins; doing only that one keeps a second apply a no-op.
        var changes = _changes.Where((change, index) => _changes.FindLastIndex(c => c.Path == change.Path) == index).ToList();
        var resolved = new List<(PlannedChange Change, string Host)>();
        var notDirectories = changes.Where(c => c is FileChange or LinkChange).Select(c => c.Path).ToHashSet(StringComparer.Ordinal);
        foreach (var change in changes)
        {
            try
            {
                resolved.Add((change, Check(change, notDirectories)));
            }
            catch (CloudConfigException e)
            {
                _refusals.Add(e.Message);
            }
        }

        if (_refusals.Count > 0)
        {
            throw new CloudConfigException("nothing was written:\n" + string.Join('\n', _refusals.Distinct()));
        }

        var applied = new List<AppliedChange>();
        foreach (var (change, host) in resolved)
        {
            try
            {
                applied.Add(Run(change, host));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CloudConfigException($"writing {ShownValue.Of(change.Path)} failed: {e.Message}", isTransient: true, e);
            }
        }

        return new ApplyResult(applied, _notes);
    }

    private string Check(PlannedChange change, HashSet<string> notDirectories)
    {
        for (var parent = RootPath.Parent(change.Path); parent != "/"; parent = RootPath.Parent(parent))
        {
            if (notDirectories.Contains(parent))
            {
                throw new CloudConfigException($"refusing {ShownValue.Of(change.Path)}: {ShownValue.Of(parent)} is planned as a file, not a directory");
            }
        }

        var host = root.HostPath(change.Path, followLast: change is DirectoryChange);
        var type = RootFileSystem.TypeOf(host);
        if (change is FileChange or LinkChange && type == NodeType.Directory)
        {
            throw new CloudConfigException($"refusing {ShownValue.Of(change.Path)}: it is a directory");
        }

        if (change is DirectoryChange && type is not (NodeType.Directory or NodeType.Missing))
        {
            throw new CloudConfigException($"refusing {ShownValue.Of(change.Path)}: it exists and is not a directory");
        }

        var owner = change switch
        {
            FileChange file => file.Owner,
            DirectoryChange directory when type == NodeType.Missing => directory.Owner,
            _ => null,
        };
        if (owner is not null && !Environment.IsPrivilegedProcess)
        {
            throw new CloudConfigException($"refusing {ShownValue.Of(change.Path)}: setting its owner to {owner} needs root");
        }

        return host;
    }

    private AppliedChange Run(PlannedChange change, string host)
    {
        switch (change)
        {
            case FileChange file:
                {
                    var detail = Mode(file.Mode) + (file.Owner is { } owner ? " " + owner : "");
                    if (RootFileSystem.TypeOf(host) == NodeType.File
                        && File.GetUnixFileMode(host) == file.Mode
                        && (file.Owner is null || NativeMethods.GetOwner(host) == file.Owner)
                        && new FileInfo(host).Length == file.Content.Length
                        && File.ReadAllBytes(host).AsSpan().SequenceEqual(file.Content))
                    {
                        return new AppliedChange(file.Path, "unchanged", detail);
                    }

                    CreateParents(host);
                    // Written beside the target and renamed over it: readers never see half a file, and a link in
                    // the target's place is replaced, not followed.
                    var temporary = Path.Join(Path.GetDirectoryName(host), "." + Path.GetFileName(host) + ".keelson-new");
                    File.Delete(temporary);
                    File.WriteAllBytes(temporary, file.Content);
                    if (file.Owner is { } newOwner)
                    {
                        NativeMethods.SetOwner(temporary, newOwner);
                    }

                    // After chown, which clears the set-id bits.
                    File.SetUnixFileMode(temporary, file.Mode);
                    File.Move(temporary, host, overwrite: true);
                    return new AppliedChange(file.Path, "wrote", detail);
                }

            case LinkChange link:
                if (RootFileSystem.TypeOf(host) == NodeType.Symlink && new FileInfo(host).LinkTarget == link.Target)
                {
                    return new AppliedChange(link.Path, "unchanged", "-> " + link.Target);
                }

                CreateParents(host);
                if (RootFileSystem.TypeOf(host) != NodeType.Missing)
                {
                    File.Delete(host);
                }

                File.CreateSymbolicLink(host, link.Target);
                return new AppliedChange(link.Path, "linked", "-> " + link.Target);
            case DirectoryChange directory:
                if (RootFileSystem.TypeOf(host) == NodeType.Directory && !_createdOnTheWay.Contains(host))
                {
                    return new AppliedChange(directory.Path, "unchanged", null);
                }

                CreateParents(host);
                CreateDirectory(host, directory.Mode);
                _createdOnTheWay.Remove(host);
                if (directory.Owner is { } directoryOwner)
                {
                    NativeMethods.SetOwner(host, directoryOwner);
                }

                return new AppliedChange(directory.Path, "created", Mode(directory.Mode) + (directory.Owner is { } o ? " " + o : ""));
            default:
                if (RootFileSystem.TypeOf(host) == NodeType.Missing)
                {
                    return new AppliedChange(change.Path, "unchanged", null);
                }

                File.Delete(host);
                return new AppliedChange(change.Path, "removed", null);
        }
    }

    /// <summary>Creates the missing directories above <paramref name="host"/>, each 0755 whatever the umask.</summary>
    private void CreateParents(string host)
    {
        var missing = new Stack<string>();
        for (var directory = Path.GetDirectoryName(host); directory is not null && RootFileSystem.TypeOf(directory) == NodeType.Missing; directory = Path.GetDirectoryName(directory))
        {
            missing.Push(directory);
        }

        while (missing.TryPop(out var directory))
        {
            CreateDirectory(directory, DirectoryMode);
            _createdOnTheWay.Add(directory);
        }
    }

    private static void CreateDirectory(string host, UnixFileMode mode)
    {
        System.IO.Directory.CreateDirectory(host);
        File.SetUnixFileMode(host, mode);
    }

    public static string Mode(UnixFileMode mode) => Convert.ToString((int)mode, 8).PadLeft(4, '0');
}
