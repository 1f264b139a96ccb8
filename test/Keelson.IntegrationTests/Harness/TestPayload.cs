using System.Security.Cryptography;

namespace Keelson.IntegrationTests.Harness;

/// <summary>A file of random bytes standing in for an update payload, with the hashes Omaha carries (base64).</summary>
public sealed record TestPayload(string Path, byte[] Bytes)
{
    public string Sha1 { get; } = Convert.ToBase64String(SHA1.HashData(Bytes));

    public string Sha256 { get; } = Convert.ToBase64String(SHA256.HashData(Bytes));

    public static TestPayload Create(string path, int size)
    {
        var bytes = new byte[size];
        Random.Shared.NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        return new TestPayload(path, bytes);
    }
}
