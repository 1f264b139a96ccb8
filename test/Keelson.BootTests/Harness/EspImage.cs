using System.Globalization;

namespace Keelson.BootTests.Harness;

/// <summary>The FAT ESP inside a disk image, at a byte offset, through mtools (no mounts).</summary>
public sealed class EspImage(string diskPath, long offset, long size)
{
    private string Image => $"{diskPath}@@{offset.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Copies every file of the ESP into <paramref name="directory"/> (made empty first).</summary>
    public async Task ExtractAsync(string directory)
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        Directory.CreateDirectory(directory);
        await Tools.RunAsync("mcopy", "-s", "-i", Image, "::*", directory + "/");
    }

    /// <summary>Makes the ESP hold exactly the files of <paramref name="directory"/>: a new FAT32 filesystem written over it.</summary>
    public async Task ReplaceAsync(string directory)
    {
        var fat = Path.Combine(Path.GetDirectoryName(diskPath)!, "esp.vfat");
        File.Delete(fat);
        await Tools.RunAsync("mkfs.vfat", "-F", "32", "-n", "EFI-SYSTEM", "-C", fat, (size / 1024).ToString(CultureInfo.InvariantCulture));
        await Tools.RunAsync("mcopy", ["-s", "-i", fat, .. Directory.GetFileSystemEntries(directory), "::/"]);
        await Tools.RunAsync("dd", $"if={fat}", $"of={diskPath}", "bs=1M", $"seek={offset.ToString(CultureInfo.InvariantCulture)}",
            "oflag=seek_bytes", "conv=notrunc,sparse", "status=none");
        File.Delete(fat);
    }

    public async Task<string> ReadTextAsync(string path)
    {
        var local = Path.GetTempFileName();
        try
        {
            await Tools.RunAsync("mcopy", "-o", "-i", Image, "::" + path, local);
            return await File.ReadAllTextAsync(local);
        }
        finally
        {
            File.Delete(local);
        }
    }

    public Task WriteFileAsync(string path, string localFile) => Tools.RunAsync("mcopy", "-o", "-i", Image, localFile, "::" + path);

    public async Task WriteTextAsync(string path, string text)
    {
        var local = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(local, text);
            await WriteFileAsync(path, local);
        }
        finally
        {
            File.Delete(local);
        }
    }

    /// <summary>The names of the files in <paramref name="directory"/>, sorted.</summary>
    public async Task<IReadOnlyList<string>> ListAsync(string directory)
    {
        var bare = await Tools.RunAsync("mdir", "-b", "-i", Image, "::" + directory);
        return [.. bare.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line[(line.LastIndexOf('/') + 1)..])
            .Where(name => name.Length > 0)
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>The variables of the GRUB environment block at <paramref name="path"/> (grub-editenv list).</summary>
    public async Task<IReadOnlyDictionary<string, string>> ReadGrubEnvironmentAsync(string path)
    {
        var local = Path.GetTempFileName();
        try
        {
            await Tools.RunAsync("mcopy", "-o", "-i", Image, "::" + path, local);
            var listed = await Tools.RunAsync("grub-editenv", local, "list");
            return listed.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => line.Split('=', 2))
                .ToDictionary(pair => pair[0], pair => pair[1]);
        }
        finally
        {
            File.Delete(local);
        }
    }

    /// <summary>Sets variables in the GRUB environment block at <paramref name="path"/> (grub-editenv set).</summary>
    public async Task SetGrubEnvironmentAsync(string path, params (string Name, string Value)[] variables)
    {
        var local = Path.GetTempFileName();
        try
        {
            await Tools.RunAsync("mcopy", "-o", "-i", Image, "::" + path, local);
            await Tools.RunAsync("grub-editenv", [local, "set", .. variables.Select(v => $"{v.Name}={v.Value}")]);
            await WriteFileAsync(path, local);
        }
        finally
        {
            File.Delete(local);
        }
    }
}
