namespace Keelson.Cli.Demo;

/// <summary>
/// The demo's folder: the server's data (database, payloads, admin token) at its root, <c>releases/</c> with the
/// images, payloads and signing key, <c>machines/</c> with one folder per machine, and <c>demo.log</c>. A temporary
/// folder is removed when the demo ends, however it ends; a folder given with <c>--data</c> is kept.
/// </summary>
internal sealed class DemoWorkspace : IDisposable
{
    private bool _keep;

    private DemoWorkspace(string root, bool temporary)
    {
        Root = root;
        IsTemporary = temporary;
    }

    public string Root { get; }

    public bool IsTemporary { get; }

    public string Releases => Path.Combine(Root, "releases");

    public string Machines => Path.Combine(Root, "machines");

    public string LogPath => Path.Combine(Root, "demo.log");

    /// <summary>
    /// A fresh temporary folder, or <paramref name="dataDirectory"/>, which must be absent or empty: the story
    /// starts from a fresh server and would collide with an earlier one's releases and machines.
    /// </summary>
    public static DemoWorkspace Create(string? dataDirectory)
    {
        if (dataDirectory is null)
        {
            return new DemoWorkspace(Directory.CreateTempSubdirectory("keelson-demo-").FullName, temporary: true);
        }

        var root = Path.GetFullPath(dataDirectory);
        if (File.Exists(root))
        {
            throw new CliException($"--data {root} is a file; give a new or empty folder");
        }

        if (Directory.Exists(root) && Directory.EnumerateFileSystemEntries(root).Any())
        {
            throw new CliException($"--data {root} is not empty; the demo starts from a fresh server, so give a new or empty folder (or leave --data out for a temporary one)");
        }

        try
        {
            Directory.CreateDirectory(root);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"--data {root}: {e.Message}");
        }

        return new DemoWorkspace(root, temporary: false);
    }

    /// <summary>
    /// From now on a folder given with --data keeps what is in it, also when the demo fails later. Until then (a
    /// port in use, say) it is emptied again: it was empty, and a second try must find it so.
    /// </summary>
    public void Keep() => _keep = !IsTemporary;

    public void Dispose()
    {
        if (_keep)
        {
            return;
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (IsTemporary)
                {
                    Directory.Delete(Root, recursive: true);
                }
                else
                {
                    foreach (var entry in new DirectoryInfo(Root).EnumerateFileSystemInfos())
                    {
                        if (entry is DirectoryInfo directory)
                        {
                            directory.Delete(recursive: true);
                        }
                        else
                        {
                            entry.Delete();
                        }
                    }
                }

                return;
            }
            catch (DirectoryNotFoundException)
            {
                return;
            }
            catch (IOException) when (attempt < 3)
            {
                // A machine's last status write can land while the tree is being removed; the next pass takes it.
            }
        }
    }
}
