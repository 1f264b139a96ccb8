namespace Keelson.Payloads;

/// <summary>
/// One operation of a manifest: it produces <see cref="Length"/> bytes of the target image at
/// <see cref="TargetOffset"/>. The operations of a manifest tile the image in order: each starts where the one
/// before it ended, the first at 0 and the last ends at the image size.
/// </summary>
/// <param name="Kind">How the bytes are produced.</param>
/// <param name="TargetOffset">Where in the image the bytes go.</param>
/// <param name="Length">How many bytes (at most the manifest's chunk size).</param>
/// <param name="Sha256">SHA-256 of the bytes produced (for <see cref="PayloadOperationKind.Copy"/> also of the source bytes read); unused for zeros.</param>
/// <param name="DataOffset">Where the zstd frame starts in the data section (<see cref="PayloadOperationKind.Data"/> only).</param>
/// <param name="DataLength">Length of the zstd frame (<see cref="PayloadOperationKind.Data"/> only).</param>
/// <param name="DataSha256">SHA-256 of the zstd frame, checked before it is decompressed (<see cref="PayloadOperationKind.Data"/> only).</param>
/// <param name="SourceOffset">Where in the source slot the bytes are read (<see cref="PayloadOperationKind.Copy"/> only).</param>
public readonly record struct PayloadOperation(
    PayloadOperationKind Kind,
    long TargetOffset,
    int Length,
    Sha256Hash Sha256,
    long DataOffset,
    int DataLength,
    Sha256Hash DataSha256,
    long SourceOffset)
{
    /// <summary>The end of the target range (exclusive).</summary>
    public long TargetEnd => TargetOffset + Length;

    public static PayloadOperation Data(long targetOffset, int length, Sha256Hash sha256, long dataOffset, int dataLength, Sha256Hash dataSha256) =>
        new(PayloadOperationKind.Data, targetOffset, length, sha256, dataOffset, dataLength, dataSha256, 0);

    public static PayloadOperation Zero(long targetOffset, int length) =>
        new(PayloadOperationKind.Zero, targetOffset, length, default, 0, 0, default, 0);

    public static PayloadOperation Copy(long targetOffset, int length, long sourceOffset, Sha256Hash sha256) =>
        new(PayloadOperationKind.Copy, targetOffset, length, sha256, 0, 0, default, sourceOffset);
}
