namespace Keelson.Disks;

/// <summary>
/// The CRC-32 of GPT headers and entry arrays: IEEE 802.3 (polynomial 0x04C11DB7, reflected as 0xEDB88320, initial
/// value and final XOR 0xFFFFFFFF), the same as zlib's crc32. System.IO.Hashing would do, but it is not part of the
/// shared framework, and a GPT needs a few kilobytes hashed per write.
/// </summary>
internal static class Crc32
{
    private static readonly uint[] s_table = BuildTable();

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc = s_table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return crc ^ 0xFFFFFFFFu;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (var n = 0u; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
