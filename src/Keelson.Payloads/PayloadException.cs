namespace Keelson.Payloads;

/// <summary>
/// A payload was refused, or making or applying one failed. <see cref="Kind"/> says why, the message says it in
/// words and names the values involved. Nothing is ever marked bootable by this library; when the refusal came
/// before the first write (signature, key, board, version, delta source, size) the target slot is untouched.
/// </summary>
public sealed class PayloadException : Exception
{
    public PayloadException(PayloadErrorKind kind, string message)
        : base(message)
    {
        Kind = kind;
    }

    public PayloadException(PayloadErrorKind kind, string message, Exception? innerException)
        : base(message, innerException)
    {
        Kind = kind;
    }

    public PayloadErrorKind Kind { get; }

    /// <summary>Whether trying again can help: an interrupted download or an I/O error may not happen twice; a bad signature will.</summary>
    public bool IsTransient => Kind is PayloadErrorKind.Truncated or PayloadErrorKind.Io;
}
