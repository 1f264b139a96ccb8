namespace Keelson.Tls;

/// <summary>
/// Log event ids of the servers' TLS, kept in one place so that they stay unique; 900 and up, clear of the ids of the
/// services that use it (update server, FleetLock, discovery).
/// </summary>
internal static class TlsEventIds
{
    public const int CertificateReloaded = 900;
    public const int CertificateReloadFailed = 901;
    public const int ClientCertificateRefused = 902;
}
