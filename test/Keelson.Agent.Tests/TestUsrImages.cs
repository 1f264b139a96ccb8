using Keelson.Agent.Host;

namespace Keelson.Agent.Tests;

/// <summary>Usr images as a release build makes them: 8 MiB of ext4 (mkfs.ext4 -d) holding share/coreos/release.</summary>
internal static class TestUsrImages
{
    /// <summary>DIR/usr-VERSION.ext4, made once per folder.</summary>
    public static async Task<string> CreateAsync(string directory, string version)
    {
        var image = Path.Combine(directory, $"usr-{version}.ext4");
        if (File.Exists(image))
        {
            return image;
        }

        var tree = Path.Combine(directory, $"usr-{version}");
        Directory.CreateDirectory(Path.Combine(tree, "share", "coreos"));
        await File.WriteAllTextAsync(Path.Combine(tree, "share", "coreos", "release"), $"COREOS_RELEASE_VERSION={version}\nCOREOS_RELEASE_BOARD=amd64-usr\n");
        var mkfs = await ExternalCommand.RunAsync("mkfs.ext4", ["-q", "-b", "4096", "-d", tree, image, "8M"], TimeSpan.FromSeconds(60), CancellationToken.None);
        Assert.True(mkfs.Succeeded, mkfs.StandardError);
        return image;
    }
}
