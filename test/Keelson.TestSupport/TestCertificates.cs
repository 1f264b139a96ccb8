using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Keelson.TestSupport;

/// <summary>
/// Certificates made for a test with .NET's <see cref="CertificateRequest"/>, written as PEM files into a folder: a
/// CA, certificates it issues (servers for 127.0.0.1 and localhost, clients), expired ones, and other CAs.
/// </summary>
public sealed class TestCertificates
{
    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    private TestCertificates(string directory, string name, X509Certificate2 ca)
    {
        Directory = directory;
        Ca = ca;
        CaFile = Path.Combine(directory, $"{name}-ca.pem");
        File.WriteAllText(CaFile, ca.ExportCertificatePem());
    }

    public string Directory { get; }

    public X509Certificate2 Ca { get; }

    /// <summary>The CA's certificate, PEM.</summary>
    public string CaFile { get; }

    /// <summary>A new CA named <paramref name="name"/>, its files in <paramref name="directory"/> (a new temp folder by default).</summary>
    public static TestCertificates CreateCa(string name = "test", string? directory = null)
    {
        directory ??= System.IO.Directory.CreateTempSubdirectory("keelson-tls-").FullName;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=Keelson {name} CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        return new TestCertificates(directory, name, request.CreateSelfSigned(now.AddYears(-1), now.AddYears(1)));
    }

    /// <summary>A server certificate for 127.0.0.1, ::1 and localhost (or <paramref name="hosts"/>); returns its cert and key files.</summary>
    public (string CertFile, string KeyFile) Server(string name = "server", IReadOnlyList<string>? hosts = null, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null) =>
        Issue(name, ServerAuthentication, hosts ?? ["127.0.0.1", "::1", "localhost"], notBefore, notAfter);

    /// <summary>A client certificate named <paramref name="name"/> (its CN); returns its cert and key files.</summary>
    public (string CertFile, string KeyFile) Client(string name = "client", DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null) =>
        Issue(name, ClientAuthentication, [], notBefore, notAfter);

    private (string CertFile, string KeyFile) Issue(string name, string usage, IReadOnlyList<string> hosts, DateTimeOffset? notBefore, DateTimeOffset? notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], false));
        if (hosts.Count > 0)
        {
            var names = new SubjectAlternativeNameBuilder();
            foreach (var host in hosts)
            {
                if (IPAddress.TryParse(host, out var address))
                {
                    names.AddIpAddress(address);
                }
                else
                {
                    names.AddDnsName(host);
                }
            }

            request.CertificateExtensions.Add(names.Build());
        }

        var now = DateTimeOffset.UtcNow;
        // Well before now: test servers may run on a fake clock some weeks behind.
        var from = notBefore ?? now.AddDays(-60);
        var until = notAfter ?? now.AddDays(30);
        using var issued = request.Create(Ca, from, until, RandomNumberGenerator.GetBytes(16));
        var certFile = Path.Combine(Directory, $"{name}.pem");
        var keyFile = Path.Combine(Directory, $"{name}-key.pem");
        File.WriteAllText(certFile, issued.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return (certFile, keyFile);
    }
}
