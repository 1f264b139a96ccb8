using System.Security.Authentication;

namespace Keelson.Tls;

/// <summary>
/// Puts a failed HTTPS request in words: the client's refusal of the server's certificate (expired, unknown CA,
/// another host's), or the server's refusal of the handshake (no client certificate, or one it does not accept).
/// </summary>
public static class TlsFailures
{
    /// <summary>The reason of <paramref name="failure"/>; its own message when it was no TLS refusal.</summary>
    /// <param name="tls">The client's settings, for the advice; null: neither CA nor client certificate were set.</param>
    public static string Describe(Exception failure, ClientTls? tls)
    {
        ArgumentNullException.ThrowIfNull(failure);
        for (var e = failure; e is not null; e = e.InnerException)
        {
            if (e is ServerCertificateException refused)
            {
                return refused.Message;
            }
        }

        if (!IsHandshakeFailure(failure))
        {
            return failure.Message;
        }

        var settings = tls?.Settings ?? ClientTlsSettings.None;
        if (tls?.HasClientCertificate != true)
        {
            return $"the server refused the TLS handshake: it requires a client certificate, and none was given (set {settings.CertName} and {settings.KeyName})";
        }

        return $"the server refused the TLS handshake: it did not accept the client certificate {settings.CertFile} ({settings.CertName}); the server's log says why";
    }

    // A handshake the server ended: an alert (TLS 1.2 ends the handshake with it) or, in TLS 1.3, where the client's
    // certificate is checked after the client has finished, the connection closed before the first response.
    private static bool IsHandshakeFailure(Exception failure)
    {
        for (var e = failure; e is not null; e = e.InnerException)
        {
            if (e is AuthenticationException)
            {
                return true;
            }

            if (e.Message.Contains("certificate required", StringComparison.OrdinalIgnoreCase)
                || e.Message.Contains("alert", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
