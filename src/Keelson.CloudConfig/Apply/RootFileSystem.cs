namespace Keelson.CloudConfig.Apply;

/// <summary>
/// The target root directory, seen through paths of the target machine (<c>/etc/hostname</c> means
/// <c>ROOT/etc/hostname</c>). Every component of a path is resolved on the way: a symbolic link is followed only
/// when what it points to is inside the root; one that points outside, or a <c>..</c> that climbs out, is refused.
/// </summary>
internal sealed class RootFileSystem
{
    private const int MaxLinkHops = 40;

    public RootFileSystem(string root)
    {
        var full = Path.GetFullPath(root);
        if (!Directory.Exists(full))
        {
            throw new CloudConfigException($"the root {root} is not a directory");
        }

        // The root itself may be reached through links; everything below is judged against where it really is.
        Root = RealPath(full);
    }

    /// <summary>The root's real path on this machine.</summary>
    public string Root { get; }

    /// <summary>
    /// Where <paramref name="targetPath"/> (normalised) is on this machine. With <paramref name="followLast"/> false the
    /// last component is not followed: it is the entry that gets replaced.
    /// </summary>
    /// <exception cref="CloudConfigException">The path leaves the root or runs through something that is not a directory.</exception>
    public string HostPath(string targetPath, bool followLast)
    {
        var pending = new LinkedList<string>(targetPath.Split('/', StringSplitOptions.RemoveEmptyEntries));
        var current = Root;
        var missing = false;
        var hops = 0;
        while (pending.First is { } first)
        {
            var part = first.Value;
            pending.RemoveFirst();
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                // Only link targets bring ".." here; current is a real directory, so its parent is the real parent.
                if (current == Root)
                {
                    throw Refuse(targetPath, $"a symbolic link on the way climbs out of the root {Root}");
                }

                current = Path.GetDirectoryName(current)!;
                continue;
            }

            var candidate = Path.Join(current, part);
            if (missing || (pending.Count == 0 && !followLast))
            {
                current = candidate;
                continue;
            }

            switch (TypeOf(candidate))
            {
                case NodeType.Missing:
                    missing = true;
                    current = candidate;
                    break;
                case NodeType.Directory:
                    current = candidate;
                    break;
                case NodeType.Symlink:
                    {
                        if (++hops > MaxLinkHops)
                        {
                            throw Refuse(targetPath, $"too many levels of symbolic links at {Shown(candidate)}");
                        }

                        var link = new FileInfo(candidate).LinkTarget!;
                        if (Path.IsPathRooted(link))
                        {
                            var absolute = Path.GetFullPath(link);
                            if (!IsInside(absolute))
                            {
                                throw Refuse(targetPath, $"{Shown(candidate)} is a symbolic link to {link}, outside the root {Root}");
                            }

                            current = Root;
                            Prepend(pending, Path.GetRelativePath(Root, absolute));
                        }
                        else
                        {
                            Prepend(pending, link);
                        }

                        break;
                    }

                default:
                    if (pending.Count > 0)
                    {
                        throw Refuse(targetPath, $"{Shown(candidate)} is not a directory");
                    }

                    current = candidate;
                    break;
            }
        }

        return current;
    }

    /// <summary>What is at a path of this machine, without following a link there.</summary>
    public static NodeType TypeOf(string hostPath)
    {
        var info = new FileInfo(hostPath);
        if (info.LinkTarget is not null)
        {
            return NodeType.Symlink;
        }

        if (Directory.Exists(hostPath))
        {
            return NodeType.Directory;
        }

        return info.Exists ? NodeType.File : NodeType.Missing;
    }

    /// <summary>The text of a file of the target, or null when there is none; links are followed inside the root.</summary>
    public string? ReadText(string targetPath, int maxBytes = 16 << 20)
    {
        var bytes = ReadBytes(targetPath, maxBytes);
        return bytes is null ? null : System.Text.Encoding.UTF8.GetString(bytes);
    }

    public byte[]? ReadBytes(string targetPath, int maxBytes = 16 << 20)
    {
        var host = HostPath(targetPath, followLast: true);
        switch (TypeOf(host))
        {
            case NodeType.Missing:
                return null;
            case NodeType.Directory:
                throw Refuse(targetPath, "it is a directory");
        }

        var info = new FileInfo(host);
        if (info.Length > maxBytes)
        {
            throw Refuse(targetPath, $"it is larger than {maxBytes} bytes");
        }

        return File.ReadAllBytes(host);
    }

    /// <summary>The names in a directory of the target; none when it does not exist.</summary>
    public IReadOnlyList<string> List(string targetDirectory)
    {
        var host = HostPath(targetDirectory, followLast: true);
        return TypeOf(host) == NodeType.Directory
            ? [.. Directory.EnumerateFileSystemEntries(host).Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal)]
            : [];
    }

    /// <summary>A host path shown relative to the root, as the machine would see it.</summary>
    public string Shown(string hostPath) => hostPath == Root ? "/" : "/" + Path.GetRelativePath(Root, hostPath);

    private bool IsInside(string hostPath) => Root == "/" || hostPath == Root || hostPath.StartsWith(Root + "/", StringComparison.Ordinal);

    private static CloudConfigException Refuse(string targetPath, string reason) => new($"refusing {ShownValue.Of(targetPath)}: {reason}");

    private static void Prepend(LinkedList<string> pending, string path)
    {
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse())
        {
            pending.AddFirst(part);
        }
    }

    /// <summary>A host path with every link resolved (no confinement: this is how the root itself is found).</summary>
    private static string RealPath(string path)
    {
        var current = "/";
        var pending = new LinkedList<string>(path.Split('/', StringSplitOptions.RemoveEmptyEntries));
        var hops = 0;
        while (pending.First is { } first)
        {
            pending.RemoveFirst();
            if (first.Value == "..")
            {
                current = Path.GetDirectoryName(current) ?? "/";
                continue;
            }

            if (first.Value == ".")
            {
                continue;
            }

            var candidate = Path.Join(current, first.Value);
            if (TypeOf(candidate) == NodeType.Symlink && ++hops <= MaxLinkHops)
            {
                var link = new FileInfo(candidate).LinkTarget!;
                if (Path.IsPathRooted(link))
                {
                    current = "/";
                }

                Prepend(pending, link);
                continue;
            }

            current = candidate;
        }

        return current;
    }
}
