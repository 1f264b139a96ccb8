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
    /// <param name="server">The URL asked; only an https one can have been refused a handshake.</param>
    public static string Describe(Exception failure, ClientTls? tls, Uri server)
    {
        ArgumentNullException.ThrowIfNull(failure);
        ArgumentNullException.ThrowIfNull(server);
        if (Find<ServerCertificateException>(failure) is { } refused)
        {
            return refused.Message;
        }

        var settings = tls?.Settings ?? ClientTlsSettings.None;
        var given = tls?.HasClientCertificate == true;
        if (server.Scheme == Uri.UriSchemeHttps && Find<AuthenticationException>(failure) is not null)
        {
            // TLS 1.2: the server checks the client's certificate within the handshake, and ends it with an alert.
            return given
                ? $"the server refused the TLS handshake: it did not accept the client certificate {settings.CertFile} ({settings.CertName}); the server's log says why"
                : $"the server refused the TLS handshake: it requires a client certificate, and none was given (set {settings.CertName} and {settings.KeyName})";
        }

        if (server.Scheme == Uri.UriSchemeHttps && failure is HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded })
        {
            // TLS 1.3: the client's part of the handshake is over before the server checks its certificate; a refusal
            // closes the connection before any answer, which the client sees as a response that ended at once.
            return given
                ? $"the server closed the TLS connection without an answer, as a server that requires client certificates does with one it does not accept: it did not accept the client certificate {settings.CertFile} ({settings.CertName}); the server's log says why"
                : $"the server closed the TLS connection without an answer, as a server that requires client certificates does when none is given: it requires a client certificate, and none was given (set {settings.CertName} and {settings.KeyName})";
        }

        return failure.Message;
    }

    private static T? Find<T>(Exception failure)
        where T : Exception
    {
        for (var e = failure; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
        }

        return null;
    }
}
