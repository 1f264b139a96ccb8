namespace Keelson.Disks;

/// <summary>
/// The Flatcar Container Linux partition layout (build_library/disk_layout.json), scaled to the disk:
/// 1 EFI-SYSTEM, 2 BIOS-BOOT, 3 USR-A, 4 USR-B, 6 OEM, 7 OEM-CONFIG, 9 ROOT, in that order on the disk.
/// <para>
/// Entries 5 (ROOT-C) and 8 are "blank" in Flatcar's layout, and its disk_util skips blank partitions, so their entries
/// stay unused (all zero) here too. Partitions start and end on 1 MiB boundaries (2 MiB, as in Flatcar, from 1 GiB
/// on), so they are 4096-byte aligned for both sector sizes. From 16 GiB on the sizes are Flatcar's (EFI 1 GiB,
/// BIOS-BOOT 2 MiB, USR-A and USR-B 2 GiB each, OEM 1 GiB, OEM-CONFIG 64 MiB) with ROOT taking the rest, as after
/// Flatcar's first-boot resize; smaller disks give EFI and OEM 1/16 of the disk, BIOS-BOOT and OEM-CONFIG 1/64,
/// ROOT at least 1/16, and the two usr slots split what remains (24 MiB each on a 64 MiB image). USR-A is marked
/// successful with priority 1 (<c>cgpt add -i 3 -S1 -P1</c>); every other attribute is 0.
/// </para>
/// </summary>
public static class FlatcarLayout
{
    public static readonly Guid UsrAPartitionUuid = new("7130c94a-213a-4e5a-8e26-6cce9662f132");
    public static readonly Guid UsrBPartitionUuid = new("e03dd35c-7c2d-4a47-b3fe-27f15780a57c");

    /// <summary>The smallest disk for the layout: each usr slot gets at least <see cref="MinimumSlotSize"/>.</summary>
    public const long MinimumSize = 16 * MiB;

    public const long MinimumSlotSize = 4 * MiB;

    private const long MiB = 1024 * 1024;
    private const long GiB = 1024 * MiB;

    /// <summary>The partitions of the layout on a disk of <paramref name="size"/> bytes.</summary>
    /// <exception cref="DiskException">The disk is too small or its size is not a whole number of sectors.</exception>
    public static IReadOnlyList<GptPartitionSpec> Plan(long size, int sectorSize = 512)
    {
        if (sectorSize is not (512 or 4096))
        {
            throw new DiskException($"the sector size must be 512 or 4096, not {sectorSize}");
        }

        if (size < MinimumSize)
        {
            throw new DiskException($"{FormatSize(size)} is too small for the Flatcar layout: it needs at least {FormatSize(MinimumSize)}");
        }

        if (size % sectorSize != 0)
        {
            throw new DiskException($"the size {size} is not a multiple of the {sectorSize}-byte sector size");
        }

        var align = size >= GiB ? 2 * MiB : MiB;
        var entrySectors = (long)GptHeader.StandardEntryCount * GptHeader.StandardEntrySize / sectorSize;
        var lastUsable = size / sectorSize - 2 - entrySectors;
        var start = AlignUp((2 + entrySectors) * sectorSize, align);
        var end = AlignDown((lastUsable + 1) * sectorSize, align);

        var efi = Share(size / 16, align, GiB);
        var bios = Share(size / 64, align, 2 * MiB);
        var oem = Share(size / 16, align, GiB);
        var oemConfig = Share(size / 64, align, 64 * MiB);
        var rootMinimum = Share(size / 16, align, long.MaxValue);
        var usr = Math.Min(2 * GiB, AlignDown((end - start - efi - bios - oem - oemConfig - rootMinimum) / 2, align));
        if (usr < MinimumSlotSize)
        {
            throw new DiskException($"{FormatSize(size)} is too small for the Flatcar layout: it needs at least {FormatSize(MinimumSize)}");
        }

        var root = end - start - efi - bios - 2 * usr - oem - oemConfig;
        var layout = new (int Number, string Label, Guid Type, Guid Unique, long Bytes, GptAttributes Attributes)[]
        {
            (1, "EFI-SYSTEM", GptPartitionTypes.EfiSystem, Guid.NewGuid(), efi, default),
            (2, "BIOS-BOOT", GptPartitionTypes.BiosBoot, Guid.NewGuid(), bios, default),
            (3, "USR-A", GptPartitionTypes.CoreOsUsr, UsrAPartitionUuid, usr, default(GptAttributes).WithSuccessful(true).WithPriority(1)),
            (4, "USR-B", GptPartitionTypes.CoreOsUsr, UsrBPartitionUuid, usr, default),
            (6, "OEM", GptPartitionTypes.LinuxData, Guid.NewGuid(), oem, default),
            (7, "OEM-CONFIG", GptPartitionTypes.CoreOsReserved, Guid.NewGuid(), oemConfig, default),
            (9, "ROOT", GptPartitionTypes.CoreOsResize, Guid.NewGuid(), root, default),
        };

        var specs = new List<GptPartitionSpec>();
        var offset = start;
        foreach (var (number, label, type, unique, bytes, attributes) in layout)
        {
            specs.Add(new GptPartitionSpec(number, label, type, unique, offset / sectorSize, (offset + bytes) / sectorSize - 1, attributes));
            offset += bytes;
        }

        return specs;
    }

    /// <summary>
    /// Creates a new image file with the layout: <c>keelson disk create</c>. The disk GUID is random (Flatcar's
    /// images carry 00000000-0000-0000-0000-000000000001 until their first boot randomizes it).
    /// </summary>
    public static Task<GptDisk> CreateImageAsync(string path, long size, int sectorSize = 512, CancellationToken cancellationToken = default) =>
        GptDisk.CreateImageAsync(path, size, sectorSize, Guid.NewGuid(), Plan(size, sectorSize), cancellationToken);

    /// <summary>A size the way people write it, exact: 64 MiB, 2 GiB, 1536 MiB, 12 KiB, 1000 B.</summary>
    public static string FormatSize(long bytes) => bytes switch
    {
        0 => "0 B",
        _ when bytes % GiB == 0 => $"{bytes / GiB} GiB",
        _ when bytes % MiB == 0 => $"{bytes / MiB} MiB",
        _ when bytes % 1024 == 0 => $"{bytes / 1024} KiB",
        _ => $"{bytes} B",
    };

    private static long Share(long fraction, long align, long max) => Math.Clamp(AlignDown(fraction, align), align, Math.Max(align, max));

    private static long AlignUp(long value, long align) => (value + align - 1) / align * align;

    private static long AlignDown(long value, long align) => value / align * align;
}
