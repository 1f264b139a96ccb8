using System.Buffers.Binary;
using System.Text;

namespace Keelson.Disks;

/// <summary>
/// Reads and writes entries in a raw GPT entry array. Entry layout: type GUID (0), unique GUID (16), first LBA (32),
/// last LBA (40), attributes (48), name as 36 UTF-16LE code units (56). Bytes beyond 128 in larger entries are kept.
/// </summary>
internal static class GptEntries
{
    public const int NameLength = 36;

    public static Span<byte> Entry(byte[] entries, int entrySize, int index) => entries.AsSpan(index * entrySize, entrySize);

    public static bool IsUsed(ReadOnlySpan<byte> entry) => entry[..16].ContainsAnyExcept((byte)0);

    public static Guid TypeGuid(ReadOnlySpan<byte> entry) => new(entry[..16]);

    public static Guid UniqueGuid(ReadOnlySpan<byte> entry) => new(entry.Slice(16, 16));

    public static long FirstLba(ReadOnlySpan<byte> entry) => (long)BinaryPrimitives.ReadUInt64LittleEndian(entry[32..]);

    public static long LastLba(ReadOnlySpan<byte> entry) => (long)BinaryPrimitives.ReadUInt64LittleEndian(entry[40..]);

    public static GptAttributes Attributes(ReadOnlySpan<byte> entry) => new(BinaryPrimitives.ReadUInt64LittleEndian(entry[48..]));

    public static void SetAttributes(Span<byte> entry, GptAttributes attributes) =>
        BinaryPrimitives.WriteUInt64LittleEndian(entry[48..], attributes.Value);

    public static string Name(ReadOnlySpan<byte> entry)
    {
        var name = entry.Slice(56, NameLength * 2);
        var length = 0;
        while (length < NameLength && BinaryPrimitives.ReadUInt16LittleEndian(name[(length * 2)..]) != 0)
        {
            length++;
        }

        return Encoding.Unicode.GetString(name[..(length * 2)]);
    }

    public static void Write(Span<byte> entry, GptPartitionSpec spec)
    {
        var name = Encoding.Unicode.GetBytes(spec.Label);
        if (name.Length > NameLength * 2)
        {
            throw new ArgumentException($"the label '{spec.Label}' is longer than {NameLength} UTF-16 code units", nameof(spec));
        }

        entry.Clear();
        spec.TypeGuid.TryWriteBytes(entry[..16]);
        spec.UniqueGuid.TryWriteBytes(entry.Slice(16, 16));
        BinaryPrimitives.WriteUInt64LittleEndian(entry[32..], (ulong)spec.FirstLba);
        BinaryPrimitives.WriteUInt64LittleEndian(entry[40..], (ulong)spec.LastLba);
        BinaryPrimitives.WriteUInt64LittleEndian(entry[48..], spec.Attributes.Value);
        name.CopyTo(entry[56..]);
    }

    /// <summary>The used entries as partitions, by number.</summary>
    public static List<GptPartition> Partitions(byte[] entries, int entrySize, int sectorSize)
    {
        var partitions = new List<GptPartition>();
        for (var index = 0; index < entries.Length / entrySize; index++)
        {
            var entry = Entry(entries, entrySize, index);
            if (!IsUsed(entry))
            {
                continue;
            }

            var first = FirstLba(entry);
            var last = LastLba(entry);
            partitions.Add(new GptPartition(
                index + 1, Name(entry), TypeGuid(entry), UniqueGuid(entry), first, last, Attributes(entry),
                first * sectorSize, (last - first + 1) * sectorSize));
        }

        return partitions;
    }
}
