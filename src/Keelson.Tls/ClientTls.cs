using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Keelson.Tls;

/// <summary>
/// The loaded form of <see cref="ClientTlsSettings"/>: HTTPS handlers that trust the system store and the CA file, present the
/// client certificate, and refuse a server certificate with a <see cref="ServerCertificateException"/> that says why.
/// </summary>
public sealed class ClientTls
{
    private readonly ClientTlsSettings _settings;
    private readonly X509Certificate2Collection? _trusted;
    private readonly SslStreamCertificateContext? _client;
    private readonly TimeProvider _time;

    private ClientTls(ClientTlsSettings settings, X509Certificate2Collection? trusted, SslStreamCertificateContext? client, TimeProvider time)
    {
        _settings = settings;
        _trusted = trusted;
        _client = client;
        _time = time;
    }

    public ClientTlsSettings Settings => _settings;

    /// <summary>Whether a client certificate is presented to servers that ask for one.</summary>
    public bool HasClientCertificate => _client is not null;

    /// <summary>Reads the files <paramref name="settings"/> names.</summary>
    /// <exception cref="TlsException">A file is missing or unreadable, a certificate comes without its key or the key without its certificate.</exception>
    public static ClientTls Load(ClientTlsSettings settings, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var trusted = settings.CaFile is { } ca ? PemFiles.ReadCertificates(ca, $"{settings.CaName}: the CA file") : null;
        if ((settings.CertFile is null) != (settings.KeyFile is null))
        {
            throw new TlsException(settings.CertFile is null
                ? $"{settings.KeyName} is set, but {settings.CertName} is not: a client key needs its certificate"
                : $"{settings.CertName} is set, but {settings.KeyName} is not: a client certificate needs its private key");
        }

        SslStreamCertificateContext? client = null;
        if (settings.CertFile is { } cert)
        {
            var (certificate, intermediates) = PemFiles.ReadPair(cert, settings.KeyFile!, $"{settings.CertName}/{settings.KeyName}");
            client = SslStreamCertificateContext.Create(certificate, intermediates, offline: true);
        }

        return new ClientTls(settings, trusted, client, time ?? TimeProvider.System);
    }

    /// <summary>A handler with these settings; the other settings of <paramref name="handler"/> are kept.</summary>
    public SocketsHttpHandler Apply(SocketsHttpHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        handler.SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = Validate,
            ClientCertificateContext = _client,
        };
        return handler;
    }

    /// <summary>Why a request failed, with a TLS refusal put in words (see <see cref="TlsFailures"/>).</summary>
    public string Describe(HttpRequestException failure, Uri server) => TlsFailures.Describe(failure, this, server);

    private bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (certificate is null)
        {
            throw new ServerCertificateException("the server presented no certificate");
        }

        var host = (sender as SslStream)?.TargetHostName ?? "";
        using var owned = certificate as X509Certificate2 is null ? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()) : null;
        var server = owned ?? (X509Certificate2)certificate;
        var reasons = new List<string>();
        if ((errors & SslPolicyErrors.RemoteCertificateChainErrors) != 0)
        {
            var sent = chain?.ChainElements.Select(e => e.Certificate).Skip(1).ToList() ?? [];
            var trustedName = _trusted is null
                ? $"a CA the system trusts (set {_settings.CaName} to the file of the CA that issued it)"
                : $"a CA the system trusts nor the CA in {_settings.CaFile} ({_settings.CaName})";
            var problem = _trusted is null
                ? CertificateProblems.Describe(server, chain!, _time.GetUtcNow(), trustedName)
                : CertificateProblems.Check(server, _trusted, _time.GetUtcNow(), trustedName, forClient: false, sent);
            if (problem is not null)
            {
                reasons.Add(problem);
            }
        }

        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            reasons.Add($"the certificate {CertificateProblems.Name(server)} is not for {host} (it names {Names(server)})");
        }

        if ((errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
        {
            reasons.Add("the server presented no certificate");
        }

        return reasons.Count == 0 ? true : throw new ServerCertificateException($"the server's certificate is refused: {string.Join("; ", reasons)}");
    }

    private static string Names(X509Certificate2 certificate)
    {
        var extension = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        var names = extension is null
            ? [certificate.GetNameInfo(X509NameType.DnsName, forIssuer: false)]
            : extension.EnumerateDnsNames().Concat(extension.EnumerateIPAddresses().Select(a => a.ToString())).ToList();
        return names.Count == 0 ? "no host" : string.Join(", ", names);
    }
}
