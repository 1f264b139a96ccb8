using System.Globalization;
using Keelson.IntegrationTests.Harness;

namespace Keelson.BootTests.Harness;

/// <summary>The FAT ESP inside a disk image, at a byte offset, through mtools (no mounts).</summary>
public sealed class EspImage(string diskPath, long offset, long size)
{
    private string Image => $"{diskPath}@@{offset.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// Copies every file of the ESP into <paramref name="directory"/> (made empty first). A FAT that mtools refuses -
    /// vfat has no journal, so a power cut in the middle of a write can tear it - is read as the machine reads it once
    /// systemd-fsck has run: from a copy that <c>fsck.fat -a</c> repaired. Returns what that repair printed, or null
    /// when none was needed.
    /// </summary>
    public async Task<string?> ExtractAsync(string directory)
    {
        Empty(directory);
        var read = await ProcessRunner.RunAsync(ProcessRunner.Describe("mcopy", ["-s", "-i", Image, "::*", directory + "/"]), TimeSpan.FromSeconds(60));
        if (read.ExitCode == 0)
        {
            return null;
        }

        var copy = Path.Combine(Path.GetDirectoryName(diskPath)!, "esp-repaired.vfat");
        try
        {
            await Tools.RunAsync("dd", $"if={diskPath}", $"of={copy}", "bs=1M", $"skip={offset.ToString(CultureInfo.InvariantCulture)}",
                $"count={size.ToString(CultureInfo.InvariantCulture)}", "iflag=skip_bytes,count_bytes", "status=none");
            // fsck.fat: 0 nothing to fix, 1 errors fixed, more: not repaired.
            var repair = await ProcessRunner.RunAsync(ProcessRunner.Describe("fsck.fat", ["-a", "-w", copy]), TimeSpan.FromSeconds(60));
            if (repair.ExitCode > 1)
            {
                throw new Xunit.Sdk.XunitException($"mtools refused the ESP and fsck.fat could not repair it:\n{read}\n{repair}");
            }

            Empty(directory);
            await Tools.RunAsync("mcopy", "-s", "-i", copy, "::*", directory + "/");
            return $"mtools refused the ESP ({read.StandardError.Trim()}); read it from a copy fsck.fat repaired:\n{repair.StandardOutput.Trim()}";
        }
        finally
        {
            File.Delete(copy);
        }
    }

    private static void Empty(string directory)
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        Directory.CreateDirectory(directory);
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
