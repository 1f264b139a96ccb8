using System.Buffers.Binary;

namespace Keelson.Payloads;

/// <summary>The fixed header of a payload (<see cref="PayloadFormat"/>), read and checked before anything else.</summary>
internal readonly record struct PayloadHeader(int FormatVersion, int Algorithm, int ManifestLength, int SignatureLength, string KeyId, long DataLength)
{
    /// <summary>Bytes in the whole payload.</summary>
    public long TotalLength => PayloadFormat.HeaderSize + (long)ManifestLength + SignatureLength + DataLength;

    /// <summary>Where the data section starts.</summary>
    public long DataStart => PayloadFormat.HeaderSize + (long)ManifestLength + SignatureLength;

    public void WriteTo(Span<byte> destination)
    {
        destination[..PayloadFormat.HeaderSize].Clear();
        PayloadFormat.Magic.CopyTo(destination);
        BinaryPrimitives.WriteUInt16BigEndian(destination[8..], (ushort)FormatVersion);
        BinaryPrimitives.WriteUInt16BigEndian(destination[10..], (ushort)Algorithm);
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], (uint)ManifestLength);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], (uint)SignatureLength);
        KeyIds.Write(KeyId, destination[20..]);
        BinaryPrimitives.WriteUInt64BigEndian(destination[28..], (ulong)DataLength);
    }

    /// <summary>Reads and bounds-checks a header; throws <see cref="PayloadException"/> naming the bad field.</summary>
    public static PayloadHeader Read(ReadOnlySpan<byte> bytes)
    {
        if (!bytes.StartsWith(PayloadFormat.Magic))
        {
            throw new PayloadException(PayloadErrorKind.Corrupt, "not a Keelson payload: the file does not start with the payload magic \"KEELP\"");
        }

        var version = BinaryPrimitives.ReadUInt16BigEndian(bytes[8..]);
        if (version != PayloadFormat.Version)
        {
            throw new PayloadException(PayloadErrorKind.Unsupported,
                $"payload format version {version} is not supported (this keelson reads version {PayloadFormat.Version})");
        }

        var algorithm = BinaryPrimitives.ReadUInt16BigEndian(bytes[10..]);
        if (algorithm != PayloadFormat.EcdsaP256Sha256)
        {
            throw new PayloadException(PayloadErrorKind.Unsupported,
                $"signature algorithm {algorithm} is not supported (this keelson knows 1, ECDSA P-256 with SHA-256)");
        }

        var manifestLength = BinaryPrimitives.ReadUInt32BigEndian(bytes[12..]);
        if (manifestLength is 0 or > PayloadFormat.MaxManifestLength)
        {
            throw new PayloadException(PayloadErrorKind.Corrupt,
                $"header: manifest length {manifestLength} is outside 1 .. {PayloadFormat.MaxManifestLength}");
        }

        var signatureLength = BinaryPrimitives.ReadUInt32BigEndian(bytes[16..]);
        if (signatureLength != PayloadFormat.EcdsaP256SignatureLength)
        {
            throw new PayloadException(PayloadErrorKind.Corrupt,
                $"header: signature length {signatureLength} is not {PayloadFormat.EcdsaP256SignatureLength}, the length of an ECDSA P-256 signature");
        }

        var dataLength = BinaryPrimitives.ReadUInt64BigEndian(bytes[28..]);
        if (dataLength > 2 * (ulong)PayloadFormat.MaxImageSize)
        {
            throw new PayloadException(PayloadErrorKind.Corrupt, $"header: data length {dataLength} is beyond any image this format can hold");
        }

        if (BinaryPrimitives.ReadUInt32BigEndian(bytes[36..]) != 0)
        {
            throw new PayloadException(PayloadErrorKind.Corrupt, "header: the reserved field is not 0");
        }

        return new PayloadHeader(version, algorithm, (int)manifestLength, (int)signatureLength, KeyIds.Read(bytes[20..]), (long)dataLength);
    }
}
