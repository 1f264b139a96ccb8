using System.Security.Cryptography;

namespace Keelson.Payloads;

/// <summary>Key ids: the first 8 bytes of SHA-256 of a SubjectPublicKeyInfo, as 16 lowercase hex digits.</summary>
internal static class KeyIds
{
    public const int Size = 8;

    public static string Of(ReadOnlySpan<byte> subjectPublicKeyInfo)
    {
        Span<byte> digest = stackalloc byte[Sha256Hash.Size];
        SHA256.HashData(subjectPublicKeyInfo, digest);
        return Convert.ToHexStringLower(digest[..Size]);
    }

    public static string Read(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes[..Size]);

    public static void Write(string keyId, Span<byte> destination)
    {
        if (Convert.FromHexString(keyId, destination[..Size], out _, out var written) != System.Buffers.OperationStatus.Done || written != Size)
        {
            throw new ArgumentException($"'{keyId}' is not a key id (16 hex digits)", nameof(keyId));
        }
    }
}
