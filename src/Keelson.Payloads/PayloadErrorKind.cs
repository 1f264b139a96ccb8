namespace Keelson.Payloads;

/// <summary>Why a payload was refused or could not be made or applied.</summary>
public enum PayloadErrorKind
{
    /// <summary>The bytes are not a well-formed payload: wrong magic, a size out of bounds, a chunk or the written image whose hash differs.</summary>
    Corrupt,

    /// <summary>The payload ended before its last byte: an interrupted download.</summary>
    Truncated,

    /// <summary>A format version or signature algorithm newer than this reader knows.</summary>
    Unsupported,

    /// <summary>The payload is signed by a key that is not among the trusted keys.</summary>
    UnknownKey,

    /// <summary>The signature does not match the header and manifest: they were altered, or the key is not the one named.</summary>
    BadSignature,

    /// <summary>The payload is for another board (compatibility string) than this machine's.</summary>
    BoardMismatch,

    /// <summary>The payload's version is lower than the running one and downgrades were not allowed.</summary>
    Downgrade,

    /// <summary>A delta payload without a source slot to copy from.</summary>
    SourceRequired,

    /// <summary>The delta was made from another image than the one in the source slot.</summary>
    WrongDeltaSource,

    /// <summary>The image does not fit the target slot.</summary>
    TooLarge,

    /// <summary>A key file is not a key of the supported kind.</summary>
    InvalidKey,

    /// <summary>Reading or writing a slot, an image or the payload file failed.</summary>
    Io,
}
