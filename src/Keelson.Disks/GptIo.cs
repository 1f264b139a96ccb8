using System.Buffers.Binary;
using System.Globalization;

namespace Keelson.Disks;

/// <summary>
/// Reads, validates and writes both copies of a GPT.
/// <para>
/// Reading checks each copy on its own (signature, revision, header size, header CRC, reserved field, own LBA,
/// entry size and count, usable range against the entry arrays, entry array CRC, every used entry inside the usable
/// range, no overlaps, no duplicate unique GUIDs), then the two against each other. The primary wins when it is
/// valid; when both are valid but differ, the backup counts as stale, as in cgpt's GptSanityCheck. With the primary
/// invalid the backup is used. With neither valid the disk is refused.
/// </para>
/// <para>
/// Writing always writes both copies, each entry array before its header: first the backup, then fsync, then the
/// primary, then fsync. The primary header is the commit point. A crash before it leaves a valid primary with the old
/// table (a valid but stale backup, or a torn backup with a bad CRC); a crash while the primary is written leaves a
/// primary with a bad CRC and a valid backup holding the new table. Either way one valid copy holds the old or the
/// new table in full, and the next write restores both.
/// </para>
/// </summary>
internal static class GptIo
{
    /// <summary>The smallest disk that holds a protective MBR, two headers and two one-sector entry arrays, plus a sector.</summary>
    private const long MinSectors = 6;

    public static async Task<GptTable> ReadAsync(DiskDevice device, CancellationToken cancellationToken)
    {
        var sectorSize = device.SectorSize;
        CheckGeometry(device);
        var lastLba = device.SectorCount - 1;

        var (primary, primaryEntries, primaryProblem) = await ReadCopyAsync(device, 1, isBackup: false, cancellationToken);
        var (backup, backupEntries, backupProblem) = await ReadCopyAsync(device, lastLba, isBackup: true, cancellationToken);

        if (primary is not null && backup is not null)
        {
            backupProblem = Difference(primary, primaryEntries!, backup, backupEntries!);
        }

        if (primary is not null && backupProblem is null && primary.AlternateLba != lastLba)
        {
            backupProblem = $"the primary header places the backup at LBA {primary.AlternateLba}, not in the last sector ({lastLba})";
        }

        if (primary is not null)
        {
            var backupEntriesLba = backup is not null && backupProblem is null
                ? backup.EntriesLba
                : lastLba - primary.EntriesSectors(sectorSize);
            return new GptTable(primary, primaryEntries!, primary.EntriesLba, backupEntriesLba, new GptHealth(null, backupProblem));
        }

        if (backup is not null)
        {
            var primaryEntriesLba = 2L;
            if (primaryEntriesLba + backup.EntriesSectors(sectorSize) > backup.FirstUsableLba)
            {
                throw new DiskException($"{device.Name}: the primary GPT is corrupt ({primaryProblem}) and the backup's first usable LBA {backup.FirstUsableLba} leaves no room to rebuild it");
            }

            return new GptTable(backup, backupEntries!, primaryEntriesLba, backup.EntriesLba, new GptHealth(primaryProblem, null));
        }

        if (primaryProblem == NoSignature && backupProblem == NoSignature)
        {
            throw new DiskException($"{device.Name} is not a GPT disk: no GPT header at LBA 1 or in the last sector (with {sectorSize}-byte sectors)");
        }

        throw new DiskException($"{device.Name}: both copies of the GPT are corrupt: primary: {primaryProblem}; backup: {backupProblem}");
    }

    /// <summary>Writes <paramref name="entries"/> as the new table: the backup copy first, then the primary.</summary>
    public static async Task<GptTable> WriteAsync(DiskDevice device, GptTable table, byte[] entries, CancellationToken cancellationToken)
    {
        if (entries.Length != table.Header.EntriesBytes)
        {
            throw new ArgumentException("the entry array changed size", nameof(entries));
        }

        CheckGeometry(device);
        var sectorSize = device.SectorSize;
        var lastLba = device.SectorCount - 1;
        var entrySectors = table.Header.EntriesSectors(sectorSize);
        if (table.PrimaryEntriesLba + entrySectors > table.Header.FirstUsableLba ||
            table.BackupEntriesLba <= table.Header.LastUsableLba || table.BackupEntriesLba + entrySectors > lastLba)
        {
            throw new DiskException($"{device.Name}: the GPT's usable range ({table.Header.FirstUsableLba}-{table.Header.LastUsableLba}) leaves no room for both entry arrays");
        }

        var padded = new byte[entrySectors * sectorSize];
        entries.CopyTo(padded, 0);
        var crc = Crc32.Compute(entries);
        var backup = table.Header with { MyLba = lastLba, AlternateLba = 1, EntriesLba = table.BackupEntriesLba, EntriesCrc32 = crc };
        var primary = table.Header with { MyLba = 1, AlternateLba = lastLba, EntriesLba = table.PrimaryEntriesLba, EntriesCrc32 = crc };

        await device.WriteAsync(backup.EntriesLba * sectorSize, padded, cancellationToken);
        await device.WriteAsync(backup.MyLba * sectorSize, backup.ToSector(sectorSize), cancellationToken);
        await device.FlushAsync(cancellationToken);
        await device.WriteAsync(primary.EntriesLba * sectorSize, padded, cancellationToken);
        await device.WriteAsync(primary.MyLba * sectorSize, primary.ToSector(sectorSize), cancellationToken);
        await device.FlushAsync(cancellationToken);

        return table with { Header = primary, Entries = entries, Health = GptHealth.Healthy };
    }

    /// <summary>Writes a protective MBR and a new GPT holding <paramref name="partitions"/> on an empty device.</summary>
    public static async Task CreateAsync(DiskDevice device, Guid diskGuid, IReadOnlyList<GptPartitionSpec> partitions, CancellationToken cancellationToken)
    {
        var table = NewTable(device.Name, device.SectorSize, device.Length, diskGuid, partitions);
        await device.WriteAsync(0, ProtectiveMbr.Create(device.SectorSize, device.SectorCount), cancellationToken);
        await WriteAsync(device, table, table.Entries, cancellationToken);
    }

    /// <summary>Checks a new layout and lays it out in an entry array, before anything is written.</summary>
    public static GptTable NewTable(string name, int sectorSize, long length, Guid diskGuid, IReadOnlyList<GptPartitionSpec> partitions)
    {
        if (length % sectorSize != 0)
        {
            throw new DiskException($"{name}: the size {length} is not a multiple of the {sectorSize}-byte sector size");
        }

        var lastLba = length / sectorSize - 1;
        var entrySectors = (long)GptHeader.StandardEntryCount * GptHeader.StandardEntrySize / sectorSize;
        var firstUsable = 2 + entrySectors;
        var lastUsable = lastLba - 1 - entrySectors;
        if (lastUsable < firstUsable)
        {
            throw new DiskException($"{name}: {length} bytes is too small for a GPT");
        }

        var header = GptHeader.Create(1, lastLba, firstUsable, lastUsable, diskGuid, 2);
        var entries = new byte[header.EntriesBytes];
        foreach (var spec in partitions)
        {
            if (spec.Number < 1 || spec.Number > GptHeader.StandardEntryCount)
            {
                throw new DiskException($"{name}: partition number {spec.Number} is outside 1-{GptHeader.StandardEntryCount}");
            }

            if (spec.TypeGuid == Guid.Empty)
            {
                throw new DiskException($"{name}: partition {spec.Number} has no type");
            }

            var entry = GptEntries.Entry(entries, GptHeader.StandardEntrySize, spec.Number - 1);
            if (GptEntries.IsUsed(entry))
            {
                throw new DiskException($"{name}: partition {spec.Number} is given twice");
            }

            GptEntries.Write(entry, spec);
        }

        header = header with { EntriesCrc32 = Crc32.Compute(entries) };
        var problem = CheckEntries(entries, header);
        if (problem is not null)
        {
            throw new DiskException($"{name}: {problem}");
        }

        return new GptTable(header, entries, 2, lastLba - entrySectors, GptHealth.Healthy);
    }

    private const string NoSignature = "no GPT signature";

    private static void CheckGeometry(DiskDevice device)
    {
        if (device.Length % device.SectorSize != 0)
        {
            throw new DiskException($"{device.Name}: the size {device.Length} is not a multiple of the {device.SectorSize}-byte sector size");
        }

        if (device.SectorCount < MinSectors)
        {
            throw new DiskException($"{device.Name}: {device.Length} bytes is too small to hold a GPT");
        }
    }

    private static async Task<(GptHeader? Header, byte[]? Entries, string? Problem)> ReadCopyAsync(
        DiskDevice device, long lba, bool isBackup, CancellationToken cancellationToken)
    {
        var sectorSize = device.SectorSize;
        var sector = new byte[sectorSize];
        await device.ReadAsync(lba * sectorSize, sector, cancellationToken);
        var problem = CheckHeader(sector, lba, isBackup, device.SectorCount, sectorSize, out var header);
        if (header is null)
        {
            return (null, null, Describe(isBackup, lba, problem!));
        }

        var entries = new byte[header.EntriesBytes];
        await device.ReadAsync(header.EntriesLba * sectorSize, entries, cancellationToken);
        problem = CheckEntries(entries, header);
        return problem is null ? (header, entries, null) : (null, null, Describe(isBackup, lba, problem));
    }

    private static string Describe(bool isBackup, long lba, string problem) =>
        problem == NoSignature ? problem : $"{(isBackup ? "backup" : "primary")} header at LBA {lba.ToString(CultureInfo.InvariantCulture)}: {problem}";

    /// <summary>Null when the header in <paramref name="sector"/> is valid for its place; else what is wrong.</summary>
    internal static string? CheckHeader(ReadOnlySpan<byte> sector, long lba, bool isBackup, long sectorCount, int sectorSize, out GptHeader? header)
    {
        header = null;
        if (!GptHeader.HasSignature(sector))
        {
            return NoSignature;
        }

        var size = BinaryPrimitives.ReadUInt32LittleEndian(sector[12..]);
        if (size < GptHeader.MinSize || size > sectorSize)
        {
            return $"header size {size} is outside {GptHeader.MinSize}-{sectorSize}";
        }

        var parsed = GptHeader.Parse(sector);
        if (parsed.Revision != GptHeader.Revision1)
        {
            return $"revision 0x{parsed.Revision:x8} is not 1.0 (0x00010000)";
        }

        var crc = GptHeader.ComputeCrc(sector[..(int)size]);
        if (crc != parsed.HeaderCrc32)
        {
            return $"header CRC32 is 0x{parsed.HeaderCrc32:x8} but the header hashes to 0x{crc:x8}";
        }

        if (parsed.Reserved != 0)
        {
            return "the reserved field is not zero";
        }

        if (parsed.MyLba != lba)
        {
            return $"the header says it is at LBA {parsed.MyLba}";
        }

        if (parsed.EntrySize < 128 || !uint.IsPow2(parsed.EntrySize) || parsed.EntrySize > sectorSize)
        {
            return $"entry size {parsed.EntrySize} is not 128 times a power of two";
        }

        if (parsed.EntryCount == 0 || (ulong)parsed.EntryCount * parsed.EntrySize > GptHeader.MaxEntriesBytes)
        {
            return $"{parsed.EntryCount} entries of {parsed.EntrySize} bytes is not a usable entry array";
        }

        var lastLba = sectorCount - 1;
        var entrySectors = parsed.EntriesSectors(sectorSize);
        if (parsed.FirstUsableLba > parsed.LastUsableLba)
        {
            return $"first usable LBA {parsed.FirstUsableLba} is after last usable LBA {parsed.LastUsableLba}";
        }

        // Both copies must leave room for both entry arrays in their standard places, so either can rebuild the other.
        if (parsed.FirstUsableLba < 2 + entrySectors)
        {
            return $"first usable LBA {parsed.FirstUsableLba} overlaps the primary entry array (LBA 2-{1 + entrySectors})";
        }

        if (parsed.LastUsableLba >= lastLba - entrySectors)
        {
            return $"last usable LBA {parsed.LastUsableLba} overlaps the backup entry array (LBA {lastLba - entrySectors}-{lastLba - 1})";
        }

        if (isBackup)
        {
            if (parsed.EntriesLba <= parsed.LastUsableLba || parsed.EntriesLba + entrySectors > lba)
            {
                return $"the entry array at LBA {parsed.EntriesLba} is not between the usable range and the header";
            }
        }
        else if (parsed.EntriesLba < 2 || parsed.EntriesLba + entrySectors > parsed.FirstUsableLba)
        {
            return $"the entry array at LBA {parsed.EntriesLba} is not between the header and the usable range";
        }

        header = parsed;
        return null;
    }

    /// <summary>Null when the entry array matches the header's CRC and its partitions are sound; else what is wrong.</summary>
    internal static string? CheckEntries(byte[] entries, GptHeader header)
    {
        var crc = Crc32.Compute(entries);
        if (crc != header.EntriesCrc32)
        {
            return $"the entry array hashes to 0x{crc:x8}, the header says 0x{header.EntriesCrc32:x8}";
        }

        var entrySize = (int)header.EntrySize;
        var used = new List<(int Number, long First, long Last, Guid Unique)>();
        for (var index = 0; index < header.EntryCount; index++)
        {
            var entry = GptEntries.Entry(entries, entrySize, index);
            if (!GptEntries.IsUsed(entry))
            {
                continue;
            }

            var number = index + 1;
            var first = GptEntries.FirstLba(entry);
            var last = GptEntries.LastLba(entry);
            if (first > last)
            {
                return $"partition {number} starts at LBA {first}, after its end at LBA {last}";
            }

            if (first < header.FirstUsableLba || last > header.LastUsableLba)
            {
                return $"partition {number} (LBA {first}-{last}) is outside the usable range {header.FirstUsableLba}-{header.LastUsableLba}";
            }

            var unique = GptEntries.UniqueGuid(entry);
            foreach (var other in used)
            {
                if (first <= other.Last && other.First <= last)
                {
                    return $"partition {number} (LBA {first}-{last}) overlaps partition {other.Number} (LBA {other.First}-{other.Last})";
                }

                if (unique == other.Unique)
                {
                    return $"partitions {other.Number} and {number} have the same unique GUID {unique}";
                }
            }

            used.Add((number, first, last, unique));
        }

        return null;
    }

    /// <summary>Why a valid backup does not match a valid primary, or null when it does.</summary>
    private static string? Difference(GptHeader primary, byte[] primaryEntries, GptHeader backup, byte[] backupEntries)
    {
        var field =
            primary.Revision != backup.Revision ? "revision" :
            primary.HeaderSize != backup.HeaderSize ? "header size" :
            primary.FirstUsableLba != backup.FirstUsableLba ? "first usable LBA" :
            primary.LastUsableLba != backup.LastUsableLba ? "last usable LBA" :
            primary.DiskGuid != backup.DiskGuid ? "disk GUID" :
            primary.EntryCount != backup.EntryCount ? "entry count" :
            primary.EntrySize != backup.EntrySize ? "entry size" :
            primary.EntriesCrc32 != backup.EntriesCrc32 || !primaryEntries.AsSpan().SequenceEqual(backupEntries) ? "partition entries" :
            null;
        return field is null ? null : $"backup header at LBA {backup.MyLba}: valid but stale, its {field} differ from the primary's";
    }
}
