namespace Keelson.Disks.Tests;

public sealed class GptAttributesTests
{
    [Fact]
    public void Priority_tries_and_successful_sit_in_bits_48_to_56()
    {
        var attributes = default(GptAttributes).WithPriority(0xA).WithTries(0x5).WithSuccessful(true);

        Assert.Equal(0x015A_0000_0000_0000UL, attributes.Value);
        Assert.Equal(10, attributes.Priority);
        Assert.Equal(5, attributes.Tries);
        Assert.True(attributes.Successful);
        Assert.Equal(0x15A, attributes.GptprioBits);
    }

    [Fact]
    public void Changing_one_field_keeps_every_other_bit()
    {
        var others = 0xFE00_0000_0000_0005UL; // bits 57-63 and 0, 2: required, legacy bootable
        var attributes = new GptAttributes(others).WithPriority(15).WithTries(15).WithSuccessful(true);

        Assert.Equal(others | 0x01FF_0000_0000_0000UL, attributes.Value);
        Assert.True(attributes.LegacyBootable);

        var cleared = attributes.WithPriority(0).WithTries(0).WithSuccessful(false);
        Assert.Equal(others, cleared.Value);
        Assert.Equal(0x0004UL, default(GptAttributes).WithLegacyBootable(true).Value);
    }

    [Fact]
    public void Fields_read_from_a_raw_value_written_by_cgpt()
    {
        // cgpt add -P 5 -T 7 -S 0 leaves 0x0075 in bits 48-63 (cgpt show -A prints 0x75).
        var attributes = new GptAttributes(0x0075_0000_0000_0000UL);

        Assert.Equal((5, 7, false), (attributes.Priority, attributes.Tries, attributes.Successful));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(16)]
    public void Values_outside_four_bits_are_refused(int value)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => default(GptAttributes).WithPriority(value));
        Assert.Throws<ArgumentOutOfRangeException>(() => default(GptAttributes).WithTries(value));
    }
}
