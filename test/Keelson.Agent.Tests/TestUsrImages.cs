using Keelson.Agent.Host;

namespace Keelson.Agent.Tests;

/// <summary>Usr images as a release build makes them: 8 MiB of ext4 (mkfs.ext4 -d) holding share/coreos/release.</summary>
internal static class TestUsrImages
{
    /// <summary>What <see cref="CreateAsync"/> puts at boot/vmlinuz with a kernel: binary, zero bytes and all.</summary>
    public static byte[] Kernel(string version) => [.. Enumerable.Range(0, 70_000).Select(i => (byte)((i * 31 + version.Length) % 256)), 0, 0, 0x1f, 0x8b];

    /// <summary>What <see cref="CreateAsync"/> puts at boot/initrd with a kernel.</summary>
    public static byte[] Initrd(string version) => [.. "070701"u8, 0, 1, 2, .. System.Text.Encoding.ASCII.GetBytes(version)];

    /// <summary>DIR/usr-VERSION.ext4 (or usr-VERSION-kernel.ext4, with boot/vmlinuz and boot/initrd), made once per folder.</summary>
    public static async Task<string> CreateAsync(string directory, string version, bool withKernel = false)
    {
        var name = withKernel ? $"usr-{version}-kernel" : $"usr-{version}";
        var image = Path.Combine(directory, name + ".ext4");
        if (File.Exists(image))
        {
            return image;
        }

        var tree = Path.Combine(directory, name);
        Directory.CreateDirectory(Path.Combine(tree, "share", "coreos"));
        await File.WriteAllTextAsync(Path.Combine(tree, "share", "coreos", "release"), $"COREOS_RELEASE_VERSION={version}\nCOREOS_RELEASE_BOARD=amd64-usr\n");
        if (withKernel)
        {
            Directory.CreateDirectory(Path.Combine(tree, "boot"));
            await File.WriteAllBytesAsync(Path.Combine(tree, "boot", "vmlinuz"), Kernel(version));
            await File.WriteAllBytesAsync(Path.Combine(tree, "boot", "initrd"), Initrd(version));
        }

        var mkfs = await ExternalCommand.RunAsync("mkfs.ext4", ["-q", "-b", "4096", "-d", tree, image, "8M"], TimeSpan.FromSeconds(60), CancellationToken.None);
        Assert.True(mkfs.Succeeded, mkfs.StandardError);
        return image;
    }
}
