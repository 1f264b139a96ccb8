namespace Keelson.Tls;

/// <summary>
/// A TLS setting that cannot be used: a certificate, key or CA file that is missing, unreadable, not PEM, or a
/// certificate whose key is not the one given. Asking again does not help until the files are fixed.
/// </summary>
public sealed class TlsException : Exception
{
    public TlsException(string message)
        : base(message)
    {
    }

    public TlsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
