using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Keelson.CloudConfig.Yaml;

namespace Keelson.CloudConfig;

/// <summary>The <c>write_files</c> encodings: base64, gzip, and gzip inside base64, under their several names.</summary>
internal static class ContentDecoder
{
    /// <summary>Decoded content larger than this is refused: a few kilobytes of gzip can claim gigabytes.</summary>
    public const int MaxDecodedBytes = 16 << 20;

    /// <summary>A gzip header (10 bytes) and trailer (8 bytes), with nothing between.</summary>
    private const int MinGzipLength = 18;

    /// <summary>The bytes a <c>content</c> scalar stands for: its text, or the data of a <c>!!binary</c> scalar.</summary>
    public static bool TryRead(YamlScalar? content, out byte[] bytes)
    {
        bytes = [];
        if (content is null || content.Kind == ScalarKind.Null)
        {
            return true;
        }

        return content.IsBinary ? TryBase64(content.Value, out bytes) : (bytes = Encoding.UTF8.GetBytes(content.Value)) is not null;
    }

    /// <summary>Decodes <paramref name="content"/>; the error says why it cannot be.</summary>
    public static bool TryDecode(byte[] content, string? encoding, out byte[] decoded, out string? error)
    {
        decoded = content;
        error = null;
        switch (encoding)
        {
            case null or "":
                return true;
            case "base64" or "b64":
                return TryBase64(Encoding.UTF8.GetString(content), out decoded) || Fail($"content cannot be decoded as \"{ShownValue.Of(encoding)}\"", out error);
            case "gz" or "gzip":
                return TryGunzip(content, encoding, out decoded, out error);
            case "gz+base64" or "gzip+base64" or "gz+b64" or "gzip+b64":
                return TryBase64(Encoding.UTF8.GetString(content), out var compressed)
                    ? TryGunzip(compressed, encoding, out decoded, out error)
                    : Fail($"content cannot be decoded as \"{ShownValue.Of(encoding)}\"", out error);
            default:
                return Fail($"content cannot be decoded as \"{ShownValue.Of(encoding)}\"", out error);
        }
    }

    private static bool TryBase64(string text, out byte[] bytes)
    {
        bytes = [];
        try
        {
            bytes = Convert.FromBase64String(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static bool TryGunzip(byte[] compressed, string encoding, out byte[] decoded, out string? error)
    {
        error = Gunzip(compressed, MaxDecodedBytes, out decoded) switch
        {
            GunzipOutcome.Done => null,
            GunzipOutcome.TooLarge => $"content decoded as \"{encoding}\" is larger than {MaxDecodedBytes >> 20} MiB",
            _ => $"content cannot be decoded as \"{encoding}\"",
        };
        return error is null;
    }

    /// <summary>
    /// gzip data decompressed, never more than <paramref name="limit"/> bytes of it: a few kilobytes of gzip can claim
    /// gigabytes, so the output is counted as it is read and the read stops past the limit. Empty input is not gzip.
    /// </summary>
    public static GunzipOutcome Gunzip(ReadOnlySpan<byte> compressed, int limit, out byte[] decoded)
    {
        decoded = [];
        if (compressed.IsEmpty)
        {
            return GunzipOutcome.NotGzip;
        }

        try
        {
            using var gzip = new GZipStream(new MemoryStream(compressed.ToArray()), CompressionMode.Decompress);
            using var output = new MemoryStream();
            var buffer = new byte[81920];
            int read;
            while ((read = gzip.Read(buffer)) > 0)
            {
                if (output.Length + read > limit)
                {
                    return GunzipOutcome.TooLarge;
                }

                output.Write(buffer, 0, read);
            }

            // The inflater stops quietly at the end of cut-off data; gzip's trailer (the size, mod 2^32) tells.
            if (compressed.Length < MinGzipLength || BinaryPrimitives.ReadUInt32LittleEndian(compressed[^4..]) != (uint)output.Length)
            {
                return GunzipOutcome.NotGzip;
            }

            decoded = output.ToArray();
            return GunzipOutcome.Done;
        }
        catch (InvalidDataException)
        {
            return GunzipOutcome.NotGzip;
        }
    }

    private static bool Fail(string message, out string? error)
    {
        error = message;
        return false;
    }
}
