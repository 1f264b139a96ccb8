using System.Globalization;
using Xunit.Sdk;

namespace Keelson.IntegrationTests.Harness;

/// <summary>
/// Real usr images as a release build makes them: ext4 (<c>mkfs.ext4 -d</c>) holding <c>share/coreos/release</c>,
/// random filler that makes the payload as large as wanted, and, for a bad release, <c>share/keelson/fail-health</c>.
/// </summary>
public static class UsrImages
{
    /// <summary>Makes <paramref name="image"/> (a path) for <paramref name="version"/>, <paramref name="sizeMiB"/> MiB, with <paramref name="fillerBytes"/> of random data.</summary>
    public static async Task<string> CreateAsync(string image, string version, int sizeMiB, int fillerBytes, bool failHealth = false)
    {
        var tree = image + ".tree";
        Directory.CreateDirectory(Path.Combine(tree, "share", "coreos"));
        await File.WriteAllTextAsync(Path.Combine(tree, "share", "coreos", "release"), $"COREOS_RELEASE_VERSION={version}\nCOREOS_RELEASE_BOARD=amd64-usr\n");
        var filler = new byte[fillerBytes];
        Random.Shared.NextBytes(filler);
        await File.WriteAllBytesAsync(Path.Combine(tree, "share", "filler"), filler);
        if (failHealth)
        {
            Directory.CreateDirectory(Path.Combine(tree, "share", "keelson"));
            await File.WriteAllTextAsync(Path.Combine(tree, "share", "keelson", "fail-health"), "this release fails its health check\n");
        }

        var result = await ProcessRunner.RunAsync(
            ProcessRunner.Describe("mkfs.ext4", ["-q", "-b", "4096", "-d", tree, image, sizeMiB.ToString(CultureInfo.InvariantCulture) + "M"]),
            TimeSpan.FromSeconds(60));
        if (result.ExitCode != 0)
        {
            throw new XunitException($"mkfs.ext4 failed:\n{result}");
        }

        Directory.Delete(tree, recursive: true);
        return image;
    }
}
