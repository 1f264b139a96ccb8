using System.Globalization;

namespace Keelson.BootTests.Harness;

/// <summary>The FAT ESP inside a disk image, at a byte offset, through mtools (no mounts).</summary>
public sealed class EspImage(string diskPath, long offset)
{
    private string Image => $"{diskPath}@@{offset.ToString(CultureInfo.InvariantCulture)}";

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
