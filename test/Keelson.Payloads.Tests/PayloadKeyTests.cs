using System.Security.Cryptography;

namespace Keelson.Payloads.Tests;

/// <summary>Keys are standard PEM that openssl reads, and signatures are standard ECDSA that openssl verifies.</summary>
public sealed class PayloadKeyTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Fact]
    public void Saved_keys_are_PEM_with_the_private_key_readable_by_its_owner_only_and_load_back()
    {
        using var key = PayloadSigningKey.Generate();
        var path = _directory.Of("signing");

        key.Save(path);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(path), StringComparison.Ordinal);
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", File.ReadAllText(path + ".pub"), StringComparison.Ordinal);
        using var loaded = PayloadSigningKey.Load(path);
        Assert.Equal(key.KeyId, loaded.KeyId);
        Assert.Equal(key.KeyId, PayloadPublicKey.Load(path + ".pub").KeyId);
    }

    [Fact]
    public void Saving_never_overwrites_a_key()
    {
        using var key = PayloadSigningKey.Generate();
        var path = _directory.Of("signing");
        File.WriteAllText(path + ".pub", "precious");

        var refusal = Assert.Throws<PayloadException>(() => key.Save(path));

        Assert.Contains("already exists", refusal.Message, StringComparison.Ordinal);
        Assert.Equal("precious", File.ReadAllText(path + ".pub"));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void The_key_id_is_the_first_8_bytes_of_SHA256_of_the_SubjectPublicKeyInfo_as_openssl_computes_it()
    {
        using var key = PayloadSigningKey.Generate();
        var path = _directory.Of("signing");
        key.Save(path);
        var der = _directory.Of("public.der");

        Tools.Run("openssl", "pkey", "-pubin", "-in", path + ".pub", "-outform", "DER", "-out", der);

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(der))[..8]), key.KeyId);
        Assert.Matches("^[0-9a-f]{16}$", key.KeyId);
    }

    [Fact]
    public async Task Openssl_verifies_the_signature_over_the_header_and_manifest()
    {
        using var payloads = new Payloads();
        var payload = await payloads.CreateAsync(TestImages.Mixed(64 * 1024, seed: 31));
        var header = PayloadHeader.Read(payload);
        var signedLength = PayloadFormat.HeaderSize + header.ManifestLength;
        var signed = payloads.File(payload[..signedLength]);
        var signature = payloads.File(ToDer(payload.AsSpan(signedLength, 64)));
        payloads.Key.Save(payloads.PathOf("key"));

        var output = Tools.Run("openssl", "dgst", "-sha256", "-verify", payloads.PathOf("key.pub"), "-signature", signature, signed);

        Assert.Contains("Verified OK", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Keys_of_another_kind_are_refused_as_invalid()
    {
        using var rsa = RSA.Create(2048);
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);

        Assert.Equal(PayloadErrorKind.InvalidKey, Assert.Throws<PayloadException>(() => PayloadPublicKey.ImportPem(rsa.ExportSubjectPublicKeyInfoPem())).Kind);
        Assert.Equal(PayloadErrorKind.InvalidKey, Assert.Throws<PayloadException>(() => PayloadPublicKey.ImportPem(p384.ExportSubjectPublicKeyInfoPem())).Kind);
        Assert.Equal(PayloadErrorKind.InvalidKey, Assert.Throws<PayloadException>(() => PayloadSigningKey.ImportPem(rsa.ExportPkcs8PrivateKeyPem())).Kind);
        using var key = PayloadSigningKey.Generate();
        Assert.Equal(PayloadErrorKind.InvalidKey, Assert.Throws<PayloadException>(() => PayloadSigningKey.ImportPem(key.PublicKey.ExportPem())).Kind);
        Assert.Equal(PayloadErrorKind.InvalidKey, Assert.Throws<PayloadException>(() => PayloadPublicKey.ImportPem("not a key")).Kind);
    }

    public void Dispose() => _directory.Dispose();

    /// <summary>r || s as the DER SEQUENCE of two INTEGERs that openssl reads.</summary>
    private static byte[] ToDer(ReadOnlySpan<byte> signature)
    {
        static byte[] Integer(ReadOnlySpan<byte> value)
        {
            var trimmed = value.TrimStart((byte)0).ToArray();
            byte[] content = trimmed.Length == 0 || trimmed[0] >= 0x80 ? [0, .. trimmed] : trimmed;
            return [0x02, (byte)content.Length, .. content];
        }

        byte[] body = [.. Integer(signature[..32]), .. Integer(signature[32..])];
        return [0x30, (byte)body.Length, .. body];
    }
}
