using System.Security.Cryptography;

namespace Keelson.Payloads;

/// <summary>
/// A public key that payloads are verified with: ECDSA on NIST P-256, kept as its SubjectPublicKeyInfo, read from
/// and written as PEM (<c>-----BEGIN PUBLIC KEY-----</c>). Immutable and safe to share between threads. An agent
/// trusts one or more of them, so that a signing key can be rotated.
/// </summary>
public sealed class PayloadPublicKey
{
    private const string P256Oid = "1.2.840.10045.3.1.7";

    private readonly byte[] _subjectPublicKeyInfo;

    private PayloadPublicKey(byte[] subjectPublicKeyInfo)
    {
        _subjectPublicKeyInfo = subjectPublicKeyInfo;
        KeyId = KeyIds.Of(subjectPublicKeyInfo);
    }

    /// <summary>The first 8 bytes of SHA-256 of the SubjectPublicKeyInfo, as 16 lowercase hex digits: what payloads name their signer by.</summary>
    public string KeyId { get; }

    /// <summary>Reads a PEM public key; throws <see cref="PayloadException"/> (<see cref="PayloadErrorKind.InvalidKey"/>) unless it is an ECDSA P-256 key.</summary>
    public static PayloadPublicKey ImportPem(string pem, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(pem);
        using var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportFromPem(pem);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            throw new PayloadException(PayloadErrorKind.InvalidKey, $"{source ?? "the key"} is not an ECDSA P-256 public key in PEM ({e.Message})", e);
        }

        return FromEcdsa(ecdsa, source);
    }

    /// <summary>Reads a PEM public key file.</summary>
    public static PayloadPublicKey Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return ImportPem(ReadKeyFile(path), path);
    }

    /// <summary>The key as PEM (<c>-----BEGIN PUBLIC KEY-----</c>).</summary>
    public string ExportPem() => PemEncoding.WriteString("PUBLIC KEY", _subjectPublicKeyInfo);

    public override string ToString() => KeyId;

    internal static PayloadPublicKey FromEcdsa(ECDsa ecdsa, string? source)
    {
        var parameters = ecdsa.ExportParameters(includePrivateParameters: false);
        if (parameters.Curve.Oid?.Value != P256Oid && parameters.Curve.Oid?.FriendlyName is not ("nistP256" or "ECDSA_P256"))
        {
            throw new PayloadException(PayloadErrorKind.InvalidKey, $"{source ?? "the key"} is an ECDSA key on another curve than P-256");
        }

        return new PayloadPublicKey(ecdsa.ExportSubjectPublicKeyInfo());
    }

    internal static string ReadKeyFile(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (info.Exists && info.Length > 64 * 1024)
            {
                throw new PayloadException(PayloadErrorKind.InvalidKey, $"{path} is {info.Length} bytes, too large for a key");
            }

            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PayloadException(PayloadErrorKind.InvalidKey, $"cannot read the key {path}: {e.Message}", e);
        }
    }

    /// <summary>Whether <paramref name="signature"/> (r || s) signs <paramref name="data"/> with this key.</summary>
    internal bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        using var ecdsa = ECDsa.Create();
        ecdsa.ImportSubjectPublicKeyInfo(_subjectPublicKeyInfo, out _);
        return ecdsa.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }
}
