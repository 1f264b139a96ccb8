namespace Keelson.Tls;

/// <summary>
/// TLS of a Keelson server (<c>--tls-cert</c>, <c>--tls-key</c>, <c>--tls-client-ca</c>): the PEM certificate and key
/// it serves, read again when they change, and the CA whose client certificates it requires, if any.
/// </summary>
public sealed record ServerTlsSettings(string CertFile, string KeyFile, string? ClientCaFile = null)
{
    /// <summary>The flag names the messages use, as <c>keelson server</c> and its siblings take them.</summary>
    public const string CertFlag = "--tls-cert";

    public const string KeyFlag = "--tls-key";

    public const string ClientCaFlag = "--tls-client-ca";

    /// <summary>
    /// Fails when the listen addresses and the TLS settings disagree: an https address without a certificate, or a
    /// certificate with an http address (TLS would silently not be used there).
    /// </summary>
    /// <exception cref="TlsException">They disagree; the message names the address and the flag.</exception>
    public static void CheckListen(IEnumerable<Uri> listen, ServerTlsSettings? tls)
    {
        ArgumentNullException.ThrowIfNull(listen);
        foreach (var address in listen)
        {
            if (address.Scheme == Uri.UriSchemeHttps && tls is null)
            {
                throw new TlsException($"{address} is an https address, but no certificate was given: add {CertFlag} FILE and {KeyFlag} FILE (PEM)");
            }

            if (address.Scheme == Uri.UriSchemeHttp && tls is not null)
            {
                throw new TlsException($"{CertFlag} was given, but {address} is an http address: listen on https://{address.Authority} to serve TLS");
            }
        }
    }
}
