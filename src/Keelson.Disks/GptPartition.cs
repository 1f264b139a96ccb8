namespace Keelson.Disks;

/// <summary>One used entry of a GPT, with its place on the disk in sectors and in bytes.</summary>
/// <param name="Number">1-based partition number (entry index + 1), as in /dev/sda3 and <c>cgpt -i 3</c>.</param>
/// <param name="Label">The partition name (UTF-16 in the entry), e.g. "USR-A".</param>
/// <param name="TypeGuid">The partition type.</param>
/// <param name="UniqueGuid">The partition's own GUID: the PARTUUID the kernel command line names.</param>
/// <param name="FirstLba">First sector, inclusive.</param>
/// <param name="LastLba">Last sector, inclusive.</param>
/// <param name="Attributes">The attribute field: gptprio priority, tries and successful for usr slots.</param>
/// <param name="ByteOffset">Where the partition starts, in bytes from the start of the disk.</param>
/// <param name="ByteLength">The partition's size in bytes.</param>
public sealed record GptPartition(
    int Number,
    string Label,
    Guid TypeGuid,
    Guid UniqueGuid,
    long FirstLba,
    long LastLba,
    GptAttributes Attributes,
    long ByteOffset,
    long ByteLength)
{
    /// <summary>Size in sectors.</summary>
    public long SectorCount => LastLba - FirstLba + 1;
}
