namespace Keelson.Payloads;

/// <summary>An image installed into a slot, read back and found to have the manifest's SHA-256.</summary>
/// <param name="Manifest">The payload's verified manifest.</param>
/// <param name="BytesFromPayload">Image bytes decompressed from the payload's data.</param>
/// <param name="BytesCopied">Image bytes copied from the source slot (deltas).</param>
/// <param name="BytesZeroed">Image bytes written as zeros.</param>
public sealed record PayloadApplyResult(PayloadManifest Manifest, long BytesFromPayload, long BytesCopied, long BytesZeroed);
