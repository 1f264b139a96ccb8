using System.Security.Cryptography;

namespace Keelson.Payloads;

/// <summary>
/// The private key payloads are signed with: ECDSA on NIST P-256 (.NET's own cryptography, OpenSSL on Linux),
/// read from and written as PKCS#8 PEM (<c>-----BEGIN PRIVATE KEY-----</c>). Post-quantum ML-DSA would fit the
/// format as another algorithm number, but needs OpenSSL 3.5; Debian 12 has 3.0, where <c>MLDsa.IsSupported</c> is false.
/// </summary>
public sealed class PayloadSigningKey : IDisposable
{
    private readonly ECDsa _ecdsa;

    private PayloadSigningKey(ECDsa ecdsa, string? source)
    {
        _ecdsa = ecdsa;
        PublicKey = PayloadPublicKey.FromEcdsa(ecdsa, source);
    }

    /// <summary>The key that verifies this key's signatures.</summary>
    public PayloadPublicKey PublicKey { get; }

    public string KeyId => PublicKey.KeyId;

    /// <summary>A new random key.</summary>
    public static PayloadSigningKey Generate() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256), null);

    /// <summary>Reads a PEM private key; throws <see cref="PayloadException"/> (<see cref="PayloadErrorKind.InvalidKey"/>) unless it is an ECDSA P-256 private key.</summary>
    public static PayloadSigningKey ImportPem(string pem, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(pem);
        var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportFromPem(pem);
            // A public key PEM imports too, but cannot sign.
            _ = ecdsa.ExportParameters(includePrivateParameters: true);
            return new PayloadSigningKey(ecdsa, source);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException or PayloadException)
        {
            ecdsa.Dispose();
            throw e as PayloadException
                ?? new PayloadException(PayloadErrorKind.InvalidKey, $"{source ?? "the key"} is not an ECDSA P-256 private key in PEM ({e.Message})", e);
        }
    }

    /// <summary>Reads a PEM private key file.</summary>
    public static PayloadSigningKey Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return ImportPem(PayloadPublicKey.ReadKeyFile(path), path);
    }

    /// <summary>The private key as PKCS#8 PEM. Whoever writes it to a file makes it readable by its owner only.</summary>
    public string ExportPem() => _ecdsa.ExportPkcs8PrivateKeyPem();

    /// <summary>
    /// Writes the private key to <paramref name="path"/> (mode 0600, created so: never readable by others, not even
    /// for a moment) and the public key to <paramref name="path"/>.pub. Refuses to overwrite either.
    /// </summary>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var publicPath = path + ".pub";
        foreach (var existing in new[] { path, publicPath }.Where(p => File.Exists(p) || Directory.Exists(p)))
        {
            throw new PayloadException(PayloadErrorKind.Io, $"{existing} already exists; a key is never overwritten");
        }

        try
        {
            using (var stream = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            }))
            using (var writer = new StreamWriter(stream))
            {
                writer.Write(ExportPem());
                writer.Write('\n');
            }

            File.WriteAllText(publicPath, PublicKey.ExportPem() + "\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PayloadException(PayloadErrorKind.Io, $"cannot write the key {path}: {e.Message}", e);
        }
    }

    public void Dispose() => _ecdsa.Dispose();

    /// <summary>Signs <paramref name="data"/>: r || s, 64 bytes.</summary>
    internal byte[] Sign(ReadOnlySpan<byte> data) =>
        _ecdsa.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
}
