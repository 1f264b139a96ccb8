using System.Globalization;

namespace Keelson.Disks.Tests;

/// <summary>Disk images for tests: Keelson's own, ones made by sgdisk, and ways to damage them.</summary>
internal static class TestDisks
{
    public const long MiB = 1024 * 1024;

    public static async Task<string> CreateFlatcarAsync(TempDirectory temp, string name = "disk.img", long size = 64 * MiB, int sectorSize = 512)
    {
        var path = temp.File(name);
        (await FlatcarLayout.CreateImageAsync(path, size, sectorSize)).Dispose();
        return path;
    }

    /// <summary>
    /// The Flatcar layout made by sgdisk alone (-n/-t/-c/-u, attributes with -A), 512-byte sectors: partitions
    /// 1, 2, 3, 4, 6, 7, 9 (5 and 8 blank), USR-A successful with priority 1.
    /// </summary>
    public static async Task<string> CreateWithSgdiskAsync(TempDirectory temp, string name = "sgdisk.img", long size = 64 * MiB)
    {
        var path = temp.File(name);
        await using (var file = File.Create(path))
        {
            file.SetLength(size);
        }

        var layout = new (int Number, string Size, Guid Type, string Label, Guid? Uuid)[]
        {
            (1, "+4M", GptPartitionTypes.EfiSystem, "EFI-SYSTEM", null),
            (2, "+1M", GptPartitionTypes.BiosBoot, "BIOS-BOOT", null),
            (3, "+24M", GptPartitionTypes.CoreOsUsr, "USR-A", FlatcarLayout.UsrAPartitionUuid),
            (4, "+24M", GptPartitionTypes.CoreOsUsr, "USR-B", FlatcarLayout.UsrBPartitionUuid),
            (6, "+4M", GptPartitionTypes.LinuxData, "OEM", null),
            (7, "+1M", GptPartitionTypes.CoreOsReserved, "OEM-CONFIG", null),
            (9, "0", GptPartitionTypes.CoreOsResize, "ROOT", null),
        };
        var arguments = new List<string> { "-o" };
        foreach (var (number, partitionSize, type, label, uuid) in layout)
        {
            var n = number.ToString(CultureInfo.InvariantCulture);
            arguments.AddRange(["-n", $"{n}:0:{partitionSize}", "-t", $"{n}:{type}", "-c", $"{n}:{label}"]);
            if (uuid is { } u)
            {
                arguments.AddRange(["-u", $"{n}:{u}"]);
            }
        }

        // USR-A: priority 1 (bit 48) and successful (bit 56), as cgpt add -i 3 -S1 -P1 leaves it.
        arguments.AddRange(["-A", "3:set:48", "-A", "3:set:56", path]);
        await ExternalTool.SucceedAsync("sgdisk", [.. arguments]);
        return path;
    }

    /// <summary>Flips every bit of one byte.</summary>
    public static void FlipByte(string path, long offset)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = offset;
        var value = file.ReadByte();
        file.Position = offset;
        file.WriteByte((byte)~value);
    }

    public static void Zero(string path, long offset, int count)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = offset;
        file.Write(new byte[count]);
    }

    /// <summary>The attribute fields of every partition, by number.</summary>
    public static async Task<Dictionary<int, ulong>> AttributesAsync(string path, int? sectorSize = null)
    {
        using var disk = await GptDisk.OpenAsync(path, writable: false, sectorSize);
        return disk.Partitions.ToDictionary(p => p.Number, p => p.Attributes.Value);
    }
}
