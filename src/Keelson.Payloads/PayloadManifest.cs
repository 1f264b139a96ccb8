namespace Keelson.Payloads;

/// <summary>
/// What a payload says about itself, covered by its signature: the image it produces (version, board, size,
/// SHA-256), how (the operations), from what (the delta source), and who signed it. See <see cref="PayloadFormat"/>
/// for the encoding.
/// </summary>
public sealed record PayloadManifest
{
    /// <summary>The format version the payload was written in (<see cref="PayloadFormat.Version"/>).</summary>
    public int FormatVersion { get; init; } = PayloadFormat.Version;

    /// <summary>The OS version of the image, e.g. <c>2605.10.0</c>.</summary>
    public required string Version { get; init; }

    /// <summary>The board or compatibility string the image is for, e.g. <c>amd64-usr</c>.</summary>
    public required string Board { get; init; }

    /// <summary>When the payload was made (whole seconds, UTC).</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Id of the signing key (<see cref="PayloadPublicKey.KeyId"/>).</summary>
    public required string KeyId { get; init; }

    /// <summary>Size of the image in bytes.</summary>
    public required long ImageSize { get; init; }

    /// <summary>SHA-256 of the whole image, as <c>sha256sum</c> of the image file prints it.</summary>
    public required Sha256Hash ImageSha256 { get; init; }

    /// <summary>The largest operation, in bytes: a multiple of <see cref="PayloadFormat.BlockSize"/>.</summary>
    public required int ChunkSize { get; init; }

    /// <summary>The image a delta was made from; <see langword="null"/> for a full payload.</summary>
    public PayloadDeltaSource? Source { get; init; }

    /// <summary>The operations, tiling the image in order.</summary>
    public required IReadOnlyList<PayloadOperation> Operations { get; init; }

    public bool IsDelta => Source is not null;

    /// <summary>Bytes in the data section: the zstd frames of the <see cref="PayloadOperationKind.Data"/> operations.</summary>
    public long DataLength => Operations.Count == 0 ? 0 : Operations.Where(o => o.Kind == PayloadOperationKind.Data).Sum(o => (long)o.DataLength);

    /// <summary>How many operations of <paramref name="kind"/> there are.</summary>
    public int CountOf(PayloadOperationKind kind) => Operations.Count(o => o.Kind == kind);

    /// <summary>How many image bytes operations of <paramref name="kind"/> produce.</summary>
    public long BytesOf(PayloadOperationKind kind) => Operations.Where(o => o.Kind == kind).Sum(o => (long)o.Length);
}
