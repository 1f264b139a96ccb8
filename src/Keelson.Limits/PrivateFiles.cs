namespace Keelson.Limits;

/// <summary>
/// A service's data is its own: SQLite database files (with their <c>-wal</c> and <c>-shm</c>) are 0600 and a data
/// folder the service owns is 0700, so that no other local user reads machine ids, addresses or sessions.
/// </summary>
public static class PrivateFiles
{
    private const UnixFileMode OwnerFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Creates <paramref name="path"/> (and parents) 0700, or makes an existing one 0700.</summary>
    public static void Folder(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }

        Directory.CreateDirectory(path, OwnerFolder);
        File.SetUnixFileMode(path, OwnerFolder);
    }

    /// <summary>
    /// Creates the folder of a SQLite database 0700 when it does not exist yet (an existing one may be shared, and is
    /// left as it is), creates the database file 0600 when missing, which SQLite's <c>-wal</c> and <c>-shm</c>
    /// files then take over, and makes the three 0600 where they exist.
    /// </summary>
    public static void SqliteDatabase(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full)!;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
            return;
        }

        if (!Directory.Exists(folder))
        {
            Directory.CreateDirectory(folder, OwnerFolder);
        }

        if (!File.Exists(full))
        {
            using var created = new FileStream(full, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = OwnerFile,
            });
        }

        foreach (var file in new[] { full, full + "-wal", full + "-shm", full + "-journal" })
        {
            if (File.Exists(file))
            {
                File.SetUnixFileMode(file, OwnerFile);
            }
        }
    }
}
