using System.Security.Authentication;

namespace Keelson.Tls;

/// <summary>
/// Thrown from the client's certificate check when it refuses the server's certificate, so that the reason (expired,
/// an unknown CA, another host's certificate) reaches the message a user sees instead of "the SSL connection could not
/// be established".
/// </summary>
public sealed class ServerCertificateException : AuthenticationException
{
    public ServerCertificateException(string message)
        : base(message)
    {
    }

    public ServerCertificateException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ServerCertificateException()
    {
    }
}
