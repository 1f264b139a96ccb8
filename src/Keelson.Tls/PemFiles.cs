using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Keelson.Tls;

/// <summary>Reads PEM certificates and keys, with errors that name the file and what it was meant to hold.</summary>
public static class PemFiles
{
    /// <summary>The certificates of a CA file (one or more PEM blocks).</summary>
    /// <param name="what">What the file is, for the message: <c>--tls-client-ca</c>, <c>KEELSON_SERVER_CA</c>.</param>
    /// <exception cref="TlsException">The file is missing, unreadable or holds no PEM certificate.</exception>
    public static X509Certificate2Collection ReadCertificates(string path, string what)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        RequireFile(path, what);
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPemFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new TlsException($"{what} '{path}' cannot be read: {e.Message}", e);
        }

        return certificates.Count > 0 ? certificates : throw new TlsException($"{what} '{path}' holds no PEM certificate");
    }

    /// <summary>
    /// A certificate with its private key, and the certificates after the first in <paramref name="certFile"/> (the
    /// intermediates to send with it).
    /// </summary>
    /// <param name="what">What the pair is, for the message: <c>--tls-cert/--tls-key</c>, <c>KEELSON_CLIENT_CERT/KEELSON_CLIENT_KEY</c>.</param>
    /// <exception cref="TlsException">A file is missing or unreadable, or the key is not the certificate's.</exception>
    public static (X509Certificate2 Certificate, X509Certificate2Collection Intermediates) ReadPair(string certFile, string keyFile, string what)
    {
        ArgumentException.ThrowIfNullOrEmpty(certFile);
        ArgumentException.ThrowIfNullOrEmpty(keyFile);
        RequireFile(certFile, $"{what}: the certificate file");
        RequireFile(keyFile, $"{what}: the key file");
        try
        {
            var certificate = X509Certificate2.CreateFromPemFile(certFile, keyFile);
            var all = new X509Certificate2Collection();
            all.ImportFromPemFile(certFile);
            var intermediates = new X509Certificate2Collection();
            foreach (var other in all.Skip(1))
            {
                intermediates.Add(other);
            }

            return (certificate, intermediates);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new TlsException($"{what}: cannot use the certificate '{certFile}' with the key '{keyFile}': {e.Message}", e);
        }
    }

    private static void RequireFile(string path, string what)
    {
        if (!File.Exists(path))
        {
            throw new TlsException($"{what} '{path}' does not exist");
        }
    }
}
