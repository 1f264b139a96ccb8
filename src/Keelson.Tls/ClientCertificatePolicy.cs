using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace Keelson.Tls;

/// <summary>
/// mTLS on a server (<c>--tls-client-ca</c>): a connection is accepted only with a client certificate issued by the
/// CA, valid now and meant for client authentication; every refusal is logged with the peer and the reason.
/// </summary>
public sealed partial class ClientCertificatePolicy
{
    private readonly X509Certificate2Collection _trusted;
    private readonly string _trustedName;
    private readonly TimeProvider _time;

    /// <exception cref="TlsException">The CA file cannot be read.</exception>
    public ClientCertificatePolicy(string caFile, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrEmpty(caFile);
        _trusted = PemFiles.ReadCertificates(caFile, $"{ServerTlsSettings.ClientCaFlag}");
        _trustedName = $"the client CA {caFile} ({ServerTlsSettings.ClientCaFlag})";
        _time = time;
    }

    /// <summary>Where refusals are logged; set once the server's logging is built (the CA is read before).</summary>
    public ILogger Logger { get; set; } = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    /// <summary>The validation callback of one connection from <paramref name="remote"/>.</summary>
    public RemoteCertificateValidationCallback For(EndPoint? remote) => (_, certificate, chain, _) =>
    {
        var reason = Refusal(certificate, chain);
        if (reason is not null)
        {
            LogRefused(Logger, remote?.ToString() ?? "?", reason);
        }

        return reason is null;
    };

    private string? Refusal(X509Certificate? certificate, X509Chain? chain)
    {
        if (certificate is null)
        {
            return $"it presented no client certificate, and {ServerTlsSettings.ClientCaFlag} requires one";
        }

        // The intermediates the client sent are in the chain SslStream built; the CA file alone is trusted.
        var sent = chain?.ChainElements.Select(e => e.Certificate).Skip(1).ToList() ?? [];
        if (certificate is X509Certificate2 presented)
        {
            return CertificateProblems.Check(presented, _trusted, _time.GetUtcNow(), _trustedName, forClient: true, sent);
        }

        using var loaded = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return CertificateProblems.Check(loaded, _trusted, _time.GetUtcNow(), _trustedName, forClient: true, sent);
    }

    [LoggerMessage(EventId = TlsEventIds.ClientCertificateRefused, Level = LogLevel.Warning,
        Message = "TLS: refused the connection from {Remote}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string remote, string reason);
}
