namespace Keelson.Payloads;

/// <summary>How an apply proves, after writing, that the slot holds the signed image. Either way every byte is read back.</summary>
public enum PayloadReadBack
{
    /// <summary>
    /// The written range, read back, must have the manifest's image SHA-256: the plainest proof, comparable with
    /// <c>sha256sum</c> of the image. One SHA-256 pass that cannot be split across cores: about 1 s per GiB with SHA
    /// instructions, 3 s without, and it bounds the apply's time from below.
    /// </summary>
    ImageHash,

    /// <summary>
    /// Each operation's range, read back, must have the operation's SHA-256 (a zero range must be zeros), checked
    /// on all cores. The operations are signed and tile the image, so this proves the same bytes in less time on a
    /// CPU without SHA instructions; the manifest's image hash itself is not recomputed (<c>payload verify</c> checks
    /// that the operations produce it).
    /// </summary>
    OperationHashes,
}
