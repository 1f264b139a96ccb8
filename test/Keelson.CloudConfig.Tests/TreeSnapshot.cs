using System.Globalization;
using System.Text;
using Keelson.CloudConfig.Apply;

namespace Keelson.CloudConfig.Tests;

/// <summary>
/// Everything under a root as text: one line per entry, <c>PATH dir|file MODE UID:GID</c> or <c>PATH link -&gt;
/// TARGET</c>, plus every file's bytes. Two snapshots are equal when the trees are byte-for-byte the same.
/// </summary>
internal sealed record TreeSnapshot(string Listing, IReadOnlyDictionary<string, byte[]> Files)
{
    public static TreeSnapshot Take(string root)
    {
        var lines = new StringBuilder();
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var host in Directory.EnumerateFileSystemEntries(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Order(StringComparer.Ordinal))
        {
            var path = "/" + Path.GetRelativePath(root, host);
            var type = RootFileSystem.TypeOf(host);
            if (type == NodeType.Symlink)
            {
                lines.Append(CultureInfo.InvariantCulture, $"{path} link -> {new FileInfo(host).LinkTarget}\n");
                continue;
            }

            var mode = ApplyPlan.Mode(File.GetUnixFileMode(host));
            var owner = NativeMethods.GetOwner(host);
            lines.Append(CultureInfo.InvariantCulture, $"{path} {(type == NodeType.Directory ? "dir" : "file")} {mode} {owner}\n");
            if (type == NodeType.File)
            {
                files[path] = File.ReadAllBytes(host);
            }
        }

        return new TreeSnapshot(lines.ToString(), files);
    }

    /// <summary>
    /// Asserts that <paramref name="root"/> holds exactly what Samples/<paramref name="sample"/>/expected describes:
    /// tree.txt (the listing) and files/ (every regular file's bytes).
    /// </summary>
    public static void AssertMatches(string sample, string root)
    {
        var expected = Path.Combine(TestRoot.Samples, sample, "expected");
        var actual = Take(root);
        Assert.Equal(File.ReadAllText(Path.Combine(expected, "tree.txt")), actual.Listing);
        var expectedFiles = Path.Combine(expected, "files");
        foreach (var (path, bytes) in actual.Files)
        {
            var expectedFile = Path.Join(expectedFiles, path.TrimStart('/'));
            Assert.True(File.Exists(expectedFile), $"{path} was written but {sample}/expected/files has no such file");
            Assert.True(File.ReadAllBytes(expectedFile).AsSpan().SequenceEqual(bytes),
                $"{path} differs from {sample}/expected/files{path}:\n{Encoding.UTF8.GetString(bytes)}");
        }
    }

    /// <summary>Writes this snapshot as an expected/ folder (tree.txt and files/), to review and commit.</summary>
    public void WriteExpected(string directory)
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "tree.txt"), Listing);
        foreach (var (path, bytes) in Files)
        {
            var target = Path.Join(directory, "files", path.TrimStart('/'));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.WriteAllBytes(target, bytes);
        }
    }

    public void AssertEqual(TreeSnapshot other)
    {
        Assert.Equal(Listing, other.Listing);
        Assert.Equal(Files.Keys, other.Files.Keys);
        foreach (var (path, bytes) in Files)
        {
            Assert.True(bytes.AsSpan().SequenceEqual(other.Files[path]), $"{path} changed");
        }
    }
}
