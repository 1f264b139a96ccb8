using System.Buffers.Binary;

namespace Keelson.Disks;

/// <summary>
/// A GPT header (UEFI 2.x, 92 bytes plus zero padding to the sector). <see cref="Raw"/> keeps the header bytes as
/// read so that a header longer than 92 bytes survives a rewrite unchanged apart from the fields Keelson sets.
/// </summary>
internal sealed record GptHeader(
    uint Revision,
    uint HeaderSize,
    uint HeaderCrc32,
    uint Reserved,
    long MyLba,
    long AlternateLba,
    long FirstUsableLba,
    long LastUsableLba,
    Guid DiskGuid,
    long EntriesLba,
    uint EntryCount,
    uint EntrySize,
    uint EntriesCrc32,
    byte[] Raw)
{
    public const uint Revision1 = 0x00010000;
    public const int MinSize = 92;

    /// <summary>The standard entry array: 128 entries of 128 bytes (16 KiB).</summary>
    public const int StandardEntryCount = 128;
    public const int StandardEntrySize = 128;

    /// <summary>An upper bound on the entry array Keelson reads, so a corrupt header cannot make it allocate gigabytes.</summary>
    public const int MaxEntriesBytes = 1 << 20;

    public static ReadOnlySpan<byte> Signature => "EFI PART"u8;

    public int EntriesBytes => checked((int)(EntryCount * EntrySize));

    public long EntriesSectors(int sectorSize) => (EntriesBytes + sectorSize - 1) / sectorSize;

    /// <summary>Whether <paramref name="sector"/> starts with the "EFI PART" signature.</summary>
    public static bool HasSignature(ReadOnlySpan<byte> sector) => sector.Length >= 8 && sector[..8].SequenceEqual(Signature);

    /// <summary>Reads the fields of a header whose signature and size have been checked.</summary>
    public static GptHeader Parse(ReadOnlySpan<byte> sector)
    {
        var size = BinaryPrimitives.ReadUInt32LittleEndian(sector[12..]);
        var length = (int)Math.Clamp(size, MinSize, (uint)sector.Length);
        return new GptHeader(
            Revision: BinaryPrimitives.ReadUInt32LittleEndian(sector[8..]),
            HeaderSize: size,
            HeaderCrc32: BinaryPrimitives.ReadUInt32LittleEndian(sector[16..]),
            Reserved: BinaryPrimitives.ReadUInt32LittleEndian(sector[20..]),
            MyLba: (long)BinaryPrimitives.ReadUInt64LittleEndian(sector[24..]),
            AlternateLba: (long)BinaryPrimitives.ReadUInt64LittleEndian(sector[32..]),
            FirstUsableLba: (long)BinaryPrimitives.ReadUInt64LittleEndian(sector[40..]),
            LastUsableLba: (long)BinaryPrimitives.ReadUInt64LittleEndian(sector[48..]),
            DiskGuid: new Guid(sector.Slice(56, 16)),
            EntriesLba: (long)BinaryPrimitives.ReadUInt64LittleEndian(sector[72..]),
            EntryCount: BinaryPrimitives.ReadUInt32LittleEndian(sector[80..]),
            EntrySize: BinaryPrimitives.ReadUInt32LittleEndian(sector[84..]),
            EntriesCrc32: BinaryPrimitives.ReadUInt32LittleEndian(sector[88..]),
            Raw: sector[..length].ToArray());
    }

    /// <summary>A fresh header of 92 bytes.</summary>
    public static GptHeader Create(long myLba, long alternateLba, long firstUsableLba, long lastUsableLba, Guid diskGuid, long entriesLba) =>
        new(Revision1, MinSize, 0, 0, myLba, alternateLba, firstUsableLba, lastUsableLba, diskGuid, entriesLba,
            StandardEntryCount, StandardEntrySize, 0, new byte[MinSize]);

    /// <summary>The CRC32 of the header's first <see cref="HeaderSize"/> bytes with the CRC field zeroed.</summary>
    public static uint ComputeCrc(ReadOnlySpan<byte> headerBytes)
    {
        Span<byte> copy = stackalloc byte[headerBytes.Length];
        headerBytes.CopyTo(copy);
        copy.Slice(16, 4).Clear();
        return Crc32.Compute(copy);
    }

    /// <summary>The header as one sector, with its CRC computed.</summary>
    public byte[] ToSector(int sectorSize)
    {
        var sector = new byte[sectorSize];
        Raw.CopyTo(sector, 0);
        var span = sector.AsSpan();
        Signature.CopyTo(span);
        BinaryPrimitives.WriteUInt32LittleEndian(span[8..], Revision);
        BinaryPrimitives.WriteUInt32LittleEndian(span[12..], HeaderSize);
        BinaryPrimitives.WriteUInt32LittleEndian(span[16..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(span[20..], Reserved);
        BinaryPrimitives.WriteUInt64LittleEndian(span[24..], (ulong)MyLba);
        BinaryPrimitives.WriteUInt64LittleEndian(span[32..], (ulong)AlternateLba);
        BinaryPrimitives.WriteUInt64LittleEndian(span[40..], (ulong)FirstUsableLba);
        BinaryPrimitives.WriteUInt64LittleEndian(span[48..], (ulong)LastUsableLba);
        DiskGuid.TryWriteBytes(span.Slice(56, 16));
        BinaryPrimitives.WriteUInt64LittleEndian(span[72..], (ulong)EntriesLba);
        BinaryPrimitives.WriteUInt32LittleEndian(span[80..], EntryCount);
        BinaryPrimitives.WriteUInt32LittleEndian(span[84..], EntrySize);
        BinaryPrimitives.WriteUInt32LittleEndian(span[88..], EntriesCrc32);
        BinaryPrimitives.WriteUInt32LittleEndian(span[16..], ComputeCrc(span[..(int)HeaderSize]));
        return sector;
    }
}
