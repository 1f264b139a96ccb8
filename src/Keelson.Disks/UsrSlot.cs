namespace Keelson.Disks;

/// <summary>
/// A usr slot of the A/B pair: a partition of the CoreOS usr type labelled USR-A or USR-B, with its gptprio
/// attributes and the byte range an installer writes an image into.
/// </summary>
/// <param name="Name">A or B.</param>
/// <param name="Partition">The GPT entry as read.</param>
public sealed record UsrSlot(UsrSlotName Name, GptPartition Partition)
{
    public string Label => Partition.Label;

    public int PartitionNumber => Partition.Number;

    /// <summary>The PARTUUID of the slot (<c>mount.usr=PARTUUID=...</c>).</summary>
    public Guid PartitionUuid => Partition.UniqueGuid;

    /// <summary>Start of the slot in bytes from the start of the disk or image.</summary>
    public long ByteOffset => Partition.ByteOffset;

    /// <summary>Size of the slot in bytes.</summary>
    public long ByteLength => Partition.ByteLength;

    public int Priority => Partition.Attributes.Priority;

    public int Tries => Partition.Attributes.Tries;

    public bool Successful => Partition.Attributes.Successful;
}
