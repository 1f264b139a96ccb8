namespace Keelson.Payloads;

/// <summary>What a payload must satisfy to be installed, and where a delta copies from.</summary>
public sealed record PayloadApplyOptions
{
    /// <summary>The keys a payload may be signed with (more than one while a signing key is rotated).</summary>
    public required IReadOnlyCollection<PayloadPublicKey> TrustedKeys { get; init; }

    /// <summary>This machine's board; a payload for another is refused.</summary>
    public string Board { get; init; } = BoardName.Default;

    /// <summary>The version running now; a lower payload version is refused unless <see cref="AllowDowngrade"/>. <see langword="null"/>: not checked.</summary>
    public string? RunningVersion { get; init; }

    public bool AllowDowngrade { get; init; }

    /// <summary>The slot a delta copies blocks from (the active slot); required for delta payloads.</summary>
    public SlotTarget? Source { get; init; }

    /// <summary>
    /// Also check each operation's output (decompressed bytes, copied source bytes) against its SHA-256 before
    /// writing it. Off by default: each frame's SHA-256 is checked before it is decompressed, a delta's source
    /// blocks are all checked before anything is written, and the slot, read back after writing, must have the
    /// image's SHA-256 (or every operation's) before the apply succeeds. This finds a faulty decompressor or a source changing under the
    /// apply a few chunks earlier, for one more SHA-256 pass over the image (about 2.8 s per GiB on a CPU without
    /// SHA instructions, 1 s with them).
    /// </summary>
    public bool CheckChunkOutputs { get; init; }

    /// <summary>
    /// How the slot, read back after writing, is checked: each operation's signed SHA-256 (the default: every byte,
    /// on all cores) or the image's SHA-256 (one core).
    /// </summary>
    public PayloadReadBack ReadBack { get; init; } = PayloadReadBack.OperationHashes;
}
