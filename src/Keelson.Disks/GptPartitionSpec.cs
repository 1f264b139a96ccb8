namespace Keelson.Disks;

/// <summary>A partition to create in a new GPT.</summary>
/// <param name="Number">1-based entry number.</param>
/// <param name="Label">Name, at most 36 UTF-16 code units.</param>
/// <param name="TypeGuid">Partition type.</param>
/// <param name="UniqueGuid">The partition's own GUID.</param>
/// <param name="FirstLba">First sector, inclusive.</param>
/// <param name="LastLba">Last sector, inclusive.</param>
/// <param name="Attributes">Attribute field.</param>
public sealed record GptPartitionSpec(int Number, string Label, Guid TypeGuid, Guid UniqueGuid, long FirstLba, long LastLba, GptAttributes Attributes);
