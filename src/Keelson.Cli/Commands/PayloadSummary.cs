using Keelson.Payloads;

namespace Keelson.Cli.Commands;

/// <summary>What <c>payload inspect --json</c> and <c>payload create --json</c> print.</summary>
internal sealed record PayloadSummary(
    int FormatVersion, string Version, string Board, DateTimeOffset CreatedAt, string KeyId, string Signature,
    long ImageSize, string ImageSha256, long PayloadSize, long DataSize, int ChunkSize,
    PayloadSummary.OperationCounts Operations, PayloadSummary.DeltaSource? Source)
{
    public static PayloadSummary Of(PayloadManifest manifest, long payloadSize, string signature) => new(
        manifest.FormatVersion, manifest.Version, manifest.Board, manifest.CreatedAt, manifest.KeyId, signature,
        manifest.ImageSize, manifest.ImageSha256.ToString(), payloadSize, manifest.DataLength, manifest.ChunkSize,
        new OperationCounts(manifest.Operations.Count, manifest.CountOf(PayloadOperationKind.Data), manifest.CountOf(PayloadOperationKind.Zero),
            manifest.CountOf(PayloadOperationKind.Copy), manifest.BytesOf(PayloadOperationKind.Copy)),
        manifest.Source is { } source ? new DeltaSource(source.Size, source.Sha256.ToString()) : null);

    internal sealed record OperationCounts(int Total, int Data, int Zero, int Copy, long CopiedBytes);

    internal sealed record DeltaSource(long Size, string Sha256);
}
