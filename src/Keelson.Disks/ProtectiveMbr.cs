using System.Buffers.Binary;

namespace Keelson.Disks;

/// <summary>The protective MBR of a GPT disk: one partition of type 0xEE from LBA 1 over the whole disk (or 2 TiB of sectors at most).</summary>
internal static class ProtectiveMbr
{
    public static byte[] Create(int sectorSize, long sectorCount)
    {
        var sector = new byte[sectorSize];
        var entry = sector.AsSpan(446, 16);
        entry[0] = 0x00; // not active
        entry[1] = 0x00; // CHS of the first sector: head 0, sector 2, cylinder 0
        entry[2] = 0x02;
        entry[3] = 0x00;
        entry[4] = 0xEE; // GPT protective
        entry[5] = 0xFF; // CHS of the last sector: beyond what CHS can say
        entry[6] = 0xFF;
        entry[7] = 0xFF;
        BinaryPrimitives.WriteUInt32LittleEndian(entry[8..], 1);
        BinaryPrimitives.WriteUInt32LittleEndian(entry[12..], (uint)Math.Min(sectorCount - 1, uint.MaxValue));
        sector[510] = 0x55;
        sector[511] = 0xAA;
        return sector;
    }
}
