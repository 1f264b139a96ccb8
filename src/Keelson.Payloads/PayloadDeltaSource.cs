namespace Keelson.Payloads;

/// <summary>The image a delta payload was made from: what the source slot must hold for its copies to be right.</summary>
/// <param name="Size">Size of the source image in bytes.</param>
/// <param name="Sha256">SHA-256 of the whole source image.</param>
public sealed record PayloadDeltaSource(long Size, Sha256Hash Sha256);
