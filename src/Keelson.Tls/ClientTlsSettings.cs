namespace Keelson.Tls;

/// <summary>
/// TLS of a client of a Keelson server: a CA file trusted besides the system store, and a client certificate and
/// key for servers that require one (mTLS). The names say where each setting came from, for messages.
/// </summary>
/// <param name="CaFile">PEM CA certificates trusted for the server's certificate, besides the system's; null: the system's only.</param>
/// <param name="CertFile">PEM client certificate (with <paramref name="KeyFile"/>); null: none is presented.</param>
/// <param name="KeyFile">PEM private key of <paramref name="CertFile"/>.</param>
/// <param name="CaName">The setting that names <paramref name="CaFile"/>: <c>KEELSON_SERVER_CA</c>, <c>--ca</c>.</param>
/// <param name="CertName">The setting that names the client certificate: <c>KEELSON_CLIENT_CERT</c>, <c>--client-cert</c>.</param>
/// <param name="KeyName">The setting that names the client key: <c>KEELSON_CLIENT_KEY</c>, <c>--client-key</c>.</param>
public sealed record ClientTlsSettings(
    string? CaFile,
    string? CertFile,
    string? KeyFile,
    string CaName = "KEELSON_SERVER_CA",
    string CertName = "KEELSON_CLIENT_CERT",
    string KeyName = "KEELSON_CLIENT_KEY")
{
    /// <summary>No CA and no client certificate: the system store alone, as any HTTPS client.</summary>
    public static ClientTlsSettings None { get; } = new(null, null, null);

    public bool IsEmpty => CaFile is null && CertFile is null && KeyFile is null;
}
