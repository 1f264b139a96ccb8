namespace Keelson.Disks.Tests;

public sealed class Crc32Tests
{
    [Theory]
    [InlineData("", 0x00000000u)]
    [InlineData("a", 0xE8B7BE43u)]
    [InlineData("123456789", 0xCBF43926u)]
    [InlineData("The quick brown fox jumps over the lazy dog", 0x414FA339u)]
    public void Crc32_is_the_IEEE_crc_of_zlib_and_the_GPT_specification(string text, uint expected)
    {
        Assert.Equal(expected, Crc32.Compute(System.Text.Encoding.ASCII.GetBytes(text)));
    }

    [Fact]
    public void Crc32_of_an_empty_GPT_entry_array_matches_the_known_value()
    {
        // 128 zeroed entries of 128 bytes: the entries CRC of a GPT without partitions.
        Assert.Equal(0xAB54D286u, Crc32.Compute(new byte[128 * 128]));
    }
}
