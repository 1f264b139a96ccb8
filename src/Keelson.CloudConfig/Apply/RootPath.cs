namespace Keelson.CloudConfig.Apply;

/// <summary>Paths as the target machine sees them: absolute, <c>/</c>-separated, without <c>.</c> or <c>..</c>.</summary>
internal static class RootPath
{
    /// <summary>
    /// <paramref name="path"/> made absolute (a relative path is taken from the root, as coreos-cloudinit joins it) and
    /// with <c>.</c> and <c>..</c> resolved by name; null when a <c>..</c> climbs above the root or the path is empty or
    /// holds a NUL.
    /// </summary>
    public static string? Normalize(string path)
    {
        if (path.Length == 0 || path.Contains('\0', StringComparison.Ordinal))
        {
            return null;
        }

        var parts = new List<string>();
        foreach (var part in path.Split('/'))
        {
            switch (part)
            {
                case "" or ".":
                    continue;
                case "..":
                    if (parts.Count == 0)
                    {
                        return null;
                    }

                    parts.RemoveAt(parts.Count - 1);
                    continue;
                default:
                    parts.Add(part);
                    continue;
            }
        }

        return "/" + string.Join('/', parts);
    }

    /// <summary>The parent of a normalised path ("/" for "/etc").</summary>
    public static string Parent(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash <= 0 ? "/" : path[..slash];
    }

    public static string Name(string path) => path[(path.LastIndexOf('/') + 1)..];

    public static string Combine(string directory, string name) => directory == "/" ? "/" + name : directory + "/" + name;

    /// <summary>Whether <paramref name="path"/> is <paramref name="directory"/> or below it (both normalised).</summary>
    public static bool IsUnder(string path, string directory) =>
        directory == "/" || path == directory || path.StartsWith(directory + "/", StringComparison.Ordinal);
}
