namespace Keelson.Payloads;

/// <summary>
/// The Keelson payload format, version 1: an OS image as a signed manifest of operations and the zstd data they
/// need, verifiable while it streams into a slot. All integers are big-endian; every length is bounded before
/// anything is allocated for it.
/// <code>
/// offset      size  field
/// 0           8     magic "KEELP\r\n\x1A" (the CR LF and ^Z show a payload mangled as text)
/// 8           2     format version = 1
/// 10          2     signature algorithm: 1 = ECDSA P-256 over SHA-256, signature r || s (64 bytes)
/// 12          4     manifest length M, 1 .. 32 MiB
/// 16          4     signature length S (64 for algorithm 1; at most 8 KiB)
/// 20          8     key id: the first 8 bytes of SHA-256 of the signer's SubjectPublicKeyInfo (DER)
/// 28          8     data length D: the sum of the Data operations' frame lengths
/// 36          4     reserved, 0
/// 40          M     manifest
/// 40+M        S     signature over bytes [0, 40+M): the header and the manifest
/// 40+M+S      D     data: the zstd frames of the Data operations, in operation order; then end of file
/// </code>
/// Manifest: u16 format version (= the header's); u8 length + UTF-8 image version (dotted numbers, optional
/// -prerelease and +build, at most 64 bytes); u8 length + board (at most 64 bytes of [A-Za-z0-9._-]); i64 creation
/// time (Unix seconds); 8-byte key id (= the header's); u64 image size (at most 1 TiB); 32-byte SHA-256 of the
/// image; u32 chunk size (4 KiB .. 16 MiB, a multiple of 4 KiB); u8 delta flag, and when 1: u64 source image size
/// and its 32-byte SHA-256; u32 operation count (at most 2^20); the operations, each: u8 kind, u64 target offset,
/// u32 length (1 .. chunk size), then by kind:
/// <list type="bullet">
/// <item>1 Data: u32 frame length (at most the chunk size plus 1/128 plus 512), SHA-256 of the frame, SHA-256 of the output.</item>
/// <item>2 Zero: nothing more.</item>
/// <item>3 Copy (deltas only): u64 source offset, SHA-256 of the source bytes (which are the output bytes).</item>
/// </list>
/// The operations tile the image in order: the first starts at 0, each starts where the previous ended, the last
/// ends at the image size; offsets are multiples of 4 KiB and so are lengths except the last one's. A copy's
/// source range lies within the source image. The manifest ends exactly after the last operation.
/// <para>
/// Better than update_engine's CrAU v1: the signature (a modern curve, not RSA PKCS#1 v1.5) covers a manifest that
/// comes first, so a reader rejects a wrong key, board or version before it reads or writes any data, and
/// checks every frame as it arrives (no temporary copy); frames are independent, so they decompress in parallel
/// and a download can resume at any frame; the image's own SHA-256 is checked against the slot after writing;
/// copies carry the hash of the source bytes, so a delta for another source is refused before anything is written.
/// </para>
/// </summary>
public static class PayloadFormat
{
    /// <summary>The format version this library writes and reads.</summary>
    public const int Version = 1;

    /// <summary>Signature algorithm 1: ECDSA on NIST P-256 over SHA-256, signature as r || s.</summary>
    public const int EcdsaP256Sha256 = 1;

    /// <summary>Bytes in the fixed header.</summary>
    public const int HeaderSize = 40;

    /// <summary>The unit of offsets and of delta matching.</summary>
    public const int BlockSize = 4096;

    public const int MinChunkSize = BlockSize;

    public const int MaxChunkSize = 16 << 20;

    /// <summary>The chunk size <c>payload create</c> uses: large enough for sequential I/O, small enough to pipeline.</summary>
    public const int DefaultChunkSize = 1 << 20;

    public const int MaxManifestLength = 32 << 20;

    public const int MaxSignatureLength = 8 << 10;

    public const int MaxTextLength = 64;

    public const long MaxImageSize = 1L << 40;

    public const int MaxOperations = 1 << 20;

    internal const int EcdsaP256SignatureLength = 64;

    /// <summary>"KEELP\r\n\x1A".</summary>
    internal static ReadOnlySpan<byte> Magic => "KEELP\r\n\u001A"u8;

    /// <summary>The largest zstd frame a Data operation of <paramref name="chunkSize"/> bytes may have (above zstd's compress bound).</summary>
    public static int MaxFrameLength(int chunkSize) => chunkSize + (chunkSize / 128) + 512;
}
