namespace Keelson.Payloads;

/// <summary>How an operation produces its range of the target image.</summary>
public enum PayloadOperationKind : byte
{
    /// <summary>A zstd frame from the payload's data section, decompressed.</summary>
    Data = 1,

    /// <summary>Zeros; nothing in the data section.</summary>
    Zero = 2,

    /// <summary>The same number of bytes copied from the source slot (delta payloads only).</summary>
    Copy = 3,
}
