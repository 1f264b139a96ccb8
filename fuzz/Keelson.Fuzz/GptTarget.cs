using System.Buffers.Binary;
using System.IO.Hashing;
using Keelson.Disks;

namespace Keelson.Fuzz;

/// <summary>
/// The GPT reader and writer on an image file, as <c>keelson disk show</c>, <c>disk boot</c> and the agent's repair
/// use them: open, list, select, take a boot try (a write), repair (a write), then open again. DiskException is a
/// refusal. A table that Keelson wrote and then cannot read back is a finding too.
/// <para>
/// A mutated byte almost always breaks a CRC32, and the reader stops there. So that the fuzzer reaches the checks
/// behind the CRCs, the harness first recomputes, for 512-byte sectors, the entry array CRC and the header CRC of each
/// header it finds at LBA 1 and in the last sector, as a tool that writes a GPT would.
/// </para>
/// </summary>
internal sealed class GptTarget : IFuzzTarget
{
    private const int SectorSize = 512;
    private readonly Lazy<string> _image = new(NewImagePath);

    // One image file per process: inputs replayed from several threads (the tests) take turns.
    private readonly Lock _gate = new();

    public string Name => "gpt";

    public string Description => "GptDisk.OpenAsync, SelectBoot, BootAsync and RepairAsync on an image file; DiskException is a refusal";

    public void Run(ReadOnlySpan<byte> input)
    {
        var bytes = input.ToArray();
        FixChecksums(bytes);
        lock (_gate)
        {
            File.WriteAllBytes(_image.Value, bytes);
            RunAsync(_image.Value).GetAwaiter().GetResult();
        }
    }

    private static async Task RunAsync(string path)
    {
        GptHealth healthAfterWrites;
        try
        {
            using var disk = await GptDisk.OpenAsync(path, writable: true, sectorSize: SectorSize);
            foreach (var partition in disk.Partitions)
            {
                _ = partition.ToString();
            }

            _ = disk.SelectBoot();
            _ = disk.FindSlot(UsrSlotName.A);
            _ = disk.FindSlot(UsrSlotName.B);
            var wrote = await disk.RepairAsync();
            var selection = await disk.BootAsync();
            if (!wrote && !selection.TriesDecremented)
            {
                return;
            }

            healthAfterWrites = disk.Health;
        }
        catch (DiskException)
        {
            return;
        }

        // Keelson wrote this table: reading it back must succeed, with both copies sound.
        using var reread = await GptDisk.OpenAsync(path, writable: false, sectorSize: SectorSize);
        if (reread.Health != GptHealth.Healthy || healthAfterWrites != GptHealth.Healthy)
        {
            throw new InvalidOperationException($"the table Keelson wrote reads back unhealthy: {reread.Health}");
        }
    }

    /// <summary>Rewrites the entry array and header CRC32s of the headers at LBA 1 and in the last sector.</summary>
    internal static void FixChecksums(byte[] image)
    {
        var sectors = image.Length / SectorSize;
        if (sectors < 3)
        {
            return;
        }

        FixHeader(image, 1);
        FixHeader(image, sectors - 1);
    }

    private static void FixHeader(byte[] image, long lba)
    {
        var header = image.AsSpan((int)(lba * SectorSize), SectorSize);
        if (!header.StartsWith("EFI PART"u8))
        {
            return;
        }

        var size = BinaryPrimitives.ReadUInt32LittleEndian(header[12..]);
        if (size is < 92 or > SectorSize)
        {
            return;
        }

        var entriesLba = BinaryPrimitives.ReadUInt64LittleEndian(header[72..]);
        var entriesBytes = (ulong)BinaryPrimitives.ReadUInt32LittleEndian(header[80..]) * BinaryPrimitives.ReadUInt32LittleEndian(header[84..]);
        if (entriesLba < (ulong)(image.Length / SectorSize) && entriesBytes <= (ulong)image.Length - (entriesLba * SectorSize))
        {
            var entries = image.AsSpan((int)(entriesLba * SectorSize), (int)entriesBytes);
            BinaryPrimitives.WriteUInt32LittleEndian(header[88..], Crc32.HashToUInt32(entries));
        }

        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], Crc32.HashToUInt32(header[..(int)size]));
    }

    private static string NewImagePath()
    {
        var path = Path.Combine(Path.GetTempPath(), $"keelson-fuzz-gpt-{Environment.ProcessId}.img");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => File.Delete(path);
        return path;
    }
}
