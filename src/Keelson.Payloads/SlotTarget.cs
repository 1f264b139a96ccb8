namespace Keelson.Payloads;

/// <summary>
/// A slot to write an image into or copy a delta's blocks from: a file or block device, or a byte range of one
/// (partition N of a GPT disk image or device: <c>new SlotTarget(disk, partitionOffset, partitionLength)</c>).
/// </summary>
/// <param name="Path">The file or block device.</param>
/// <param name="Offset">Where the slot starts in it, in bytes.</param>
/// <param name="Length">The slot's size in bytes; <see langword="null"/> for everything from <paramref name="Offset"/> to the end.</param>
public sealed record SlotTarget(string Path, long Offset = 0, long? Length = null)
{
    public override string ToString() => Offset == 0 && Length is null ? Path : $"{Path}[{Offset}..+{Length?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "end"}]";
}
