namespace Keelson.Payloads;

/// <summary>A payload made and written.</summary>
/// <param name="Manifest">Its manifest.</param>
/// <param name="PayloadSize">Its size in bytes.</param>
public sealed record PayloadCreateResult(PayloadManifest Manifest, long PayloadSize);
