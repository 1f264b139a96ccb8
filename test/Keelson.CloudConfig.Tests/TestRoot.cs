using Keelson.CloudConfig.Apply;

namespace Keelson.CloudConfig.Tests;

/// <summary>A target root in a temp folder of its own, deleted on dispose.</summary>
internal sealed class TestRoot : IDisposable
{
    private TestRoot(string path) => Path = path;

    public string Path { get; }

    /// <summary>Where the test project's sample files are copied in the build output.</summary>
    public static string Samples { get; } = System.IO.Path.Combine(AppContext.BaseDirectory, "Samples");

    public static TestRoot Empty() => new(Directory.CreateTempSubdirectory("keelson-cc-").FullName);

    /// <summary>
    /// A small Flatcar-like root (Samples/roots/flatcar): root and core (500:500) in /etc/passwd, the image's
    /// update.conf, a few vendor units, and core's home with one key in ~/.ssh/authorized_keys; modes and owners as on
    /// a machine.
    /// </summary>
    public static TestRoot Flatcar()
    {
        var root = Empty();
        Copy(System.IO.Path.Combine(Samples, "roots", "flatcar"), root.Path);
        root.Chmod("/etc/shadow", "0600");
        root.Chmod("/home/core/.ssh", "0700");
        root.Chmod("/home/core/.ssh/authorized_keys", "0600");
        foreach (var path in new[] { "/home/core", "/home/core/.ssh", "/home/core/.ssh/authorized_keys" })
        {
            NativeMethods.SetOwner(root.HostPath(path), new Owner(500, 500));
        }

        return root;
    }

    public string HostPath(string targetPath) => System.IO.Path.Join(Path, targetPath.TrimStart('/'));

    public void Write(string targetPath, string content, string mode = "0644")
    {
        var host = HostPath(targetPath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(host)!);
        File.WriteAllText(host, content);
        Chmod(targetPath, mode);
    }

    public string Read(string targetPath) => File.ReadAllText(HostPath(targetPath));

    public bool Exists(string targetPath) => RootFileSystem.TypeOf(HostPath(targetPath)) != NodeType.Missing;

    public void Link(string targetPath, string linkTarget)
    {
        var host = HostPath(targetPath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(host)!);
        File.CreateSymbolicLink(host, linkTarget);
    }

    public void Chmod(string targetPath, string mode) => File.SetUnixFileMode(HostPath(targetPath), (UnixFileMode)Convert.ToInt32(mode, 8));

    public void Dispose() => Directory.Delete(Path, recursive: true);

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        File.SetUnixFileMode(to, ApplyPlan.DirectoryMode);
        foreach (var directory in Directory.EnumerateDirectories(from))
        {
            Copy(directory, System.IO.Path.Join(to, System.IO.Path.GetFileName(directory)));
        }

        foreach (var file in Directory.EnumerateFiles(from))
        {
            var target = System.IO.Path.Join(to, System.IO.Path.GetFileName(file));
            File.Copy(file, target);
            File.SetUnixFileMode(target, (UnixFileMode)Convert.ToInt32("0644", 8));
        }
    }
}
