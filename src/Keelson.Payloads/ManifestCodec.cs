using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Keelson.Payloads;

/// <summary>The binary manifest of <see cref="PayloadFormat"/>: written by the creator, read with every bound checked.</summary>
internal static class ManifestCodec
{
    private const int DataOperationSize = 1 + 8 + 4 + 4 + Sha256Hash.Size + Sha256Hash.Size;
    private const int ZeroOperationSize = 1 + 8 + 4;
    private const int CopyOperationSize = 1 + 8 + 4 + 8 + Sha256Hash.Size;

    public static byte[] Encode(PayloadManifest manifest)
    {
        var writer = new ArrayBufferWriter<byte>(256 + (manifest.Operations.Count * DataOperationSize));
        WriteUInt16(writer, (ushort)manifest.FormatVersion);
        WriteText(writer, manifest.Version);
        WriteText(writer, manifest.Board);
        WriteUInt64(writer, (ulong)manifest.CreatedAt.ToUnixTimeSeconds());
        KeyIds.Write(manifest.KeyId, writer.GetSpan(KeyIds.Size));
        writer.Advance(KeyIds.Size);
        WriteUInt64(writer, (ulong)manifest.ImageSize);
        WriteHash(writer, manifest.ImageSha256);
        WriteUInt32(writer, (uint)manifest.ChunkSize);
        if (manifest.Source is { } source)
        {
            writer.Write([(byte)1]);
            WriteUInt64(writer, (ulong)source.Size);
            WriteHash(writer, source.Sha256);
        }
        else
        {
            writer.Write([(byte)0]);
        }

        WriteUInt32(writer, (uint)manifest.Operations.Count);
        foreach (var operation in manifest.Operations)
        {
            writer.Write([(byte)operation.Kind]);
            WriteUInt64(writer, (ulong)operation.TargetOffset);
            WriteUInt32(writer, (uint)operation.Length);
            switch (operation.Kind)
            {
                case PayloadOperationKind.Data:
                    WriteUInt32(writer, (uint)operation.DataLength);
                    WriteHash(writer, operation.DataSha256);
                    WriteHash(writer, operation.Sha256);
                    break;
                case PayloadOperationKind.Copy:
                    WriteUInt64(writer, (ulong)operation.SourceOffset);
                    WriteHash(writer, operation.Sha256);
                    break;
                case PayloadOperationKind.Zero:
                    break;
                default:
                    throw new ArgumentException($"unknown operation kind {operation.Kind}", nameof(manifest));
            }
        }

        return writer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Reads a manifest and checks it against the header and the format's bounds. Even a signed manifest is
    /// checked: a signature proves who wrote it, not that the writer had no bug.
    /// </summary>
    public static PayloadManifest Decode(ReadOnlySpan<byte> bytes, PayloadHeader header)
    {
        var reader = new Reader(bytes);
        var formatVersion = reader.UInt16("format version");
        if (formatVersion != header.FormatVersion)
        {
            throw Corrupt($"its format version {formatVersion} differs from the header's {header.FormatVersion}");
        }

        var version = reader.Text("image version");
        if (!ImageVersion.IsValid(version))
        {
            throw Corrupt($"image version '{version}' is not a version such as 2605.10.0");
        }

        var board = reader.Text("board");
        if (!BoardName.IsValid(board))
        {
            throw Corrupt($"board '{board}' is not 1 to {PayloadFormat.MaxTextLength} letters, digits, '.', '_' or '-'");
        }

        var created = (long)reader.UInt64("creation time");
        if (created < 0 || created > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            throw Corrupt($"creation time {created} is not a time");
        }

        var keyId = KeyIds.Read(reader.Bytes(KeyIds.Size, "key id"));
        if (keyId != header.KeyId)
        {
            throw Corrupt($"its key id {keyId} differs from the header's {header.KeyId}");
        }

        var imageSize = (long)reader.UInt64("image size");
        if (imageSize is <= 0 or > PayloadFormat.MaxImageSize)
        {
            throw Corrupt($"image size {imageSize} is outside 1 .. {PayloadFormat.MaxImageSize}");
        }

        var imageSha256 = reader.Hash("image SHA-256");
        var chunkSize = reader.UInt32("chunk size");
        if (chunkSize is < PayloadFormat.MinChunkSize or > PayloadFormat.MaxChunkSize || chunkSize % PayloadFormat.BlockSize != 0)
        {
            throw Corrupt($"chunk size {chunkSize} is not a multiple of {PayloadFormat.BlockSize} within {PayloadFormat.MinChunkSize} .. {PayloadFormat.MaxChunkSize}");
        }

        PayloadDeltaSource? source = null;
        switch (reader.UInt8("delta flag"))
        {
            case 0:
                break;
            case 1:
                var sourceSize = (long)reader.UInt64("source size");
                if (sourceSize is <= 0 or > PayloadFormat.MaxImageSize)
                {
                    throw Corrupt($"source size {sourceSize} is outside 1 .. {PayloadFormat.MaxImageSize}");
                }

                source = new PayloadDeltaSource(sourceSize, reader.Hash("source SHA-256"));
                break;
            case var flag:
                throw Corrupt($"delta flag {flag} is neither 0 nor 1");
        }

        var count = reader.UInt32("operation count");
        // Bounded by the format and by what the remaining bytes can hold, before anything is allocated for it.
        var mostThatFit = reader.Remaining / ZeroOperationSize;
        var mostThatTile = (imageSize + PayloadFormat.BlockSize - 1) / PayloadFormat.BlockSize;
        if (count == 0 || count > PayloadFormat.MaxOperations || count > mostThatFit || count > mostThatTile)
        {
            throw Corrupt($"operation count {count} is impossible for a manifest of {bytes.Length} bytes and an image of {imageSize} bytes");
        }

        var maxFrame = PayloadFormat.MaxFrameLength((int)chunkSize);
        var operations = new PayloadOperation[count];
        long end = 0;
        long dataOffset = 0;
        for (var i = 0; i < operations.Length; i++)
        {
            var kind = (PayloadOperationKind)reader.UInt8("operation kind");
            var offset = (long)reader.UInt64("target offset");
            var length = reader.UInt32("length");
            if (offset != end)
            {
                throw Corrupt($"operation {i} starts at {offset}, not at {end} where {(i == 0 ? "the image starts" : $"operation {i - 1} ended")}: target extents must tile the image in order, without gaps or overlaps");
            }

            if (length == 0 || length > chunkSize)
            {
                throw Corrupt($"operation {i} has length {length}, outside 1 .. the chunk size {chunkSize}");
            }

            end = offset + length;
            if (end > imageSize)
            {
                throw Corrupt($"operation {i} ends at {end}, beyond the image size {imageSize}");
            }

            if (offset % PayloadFormat.BlockSize != 0 || (end != imageSize && length % PayloadFormat.BlockSize != 0))
            {
                throw Corrupt($"operation {i} [{offset}, {end}) is not aligned to {PayloadFormat.BlockSize}-byte blocks");
            }

            switch (kind)
            {
                case PayloadOperationKind.Data:
                    var frameLength = reader.UInt32("frame length");
                    if (frameLength == 0 || frameLength > maxFrame)
                    {
                        throw Corrupt($"operation {i} has a frame of {frameLength} bytes, outside 1 .. {maxFrame}");
                    }

                    var frameSha256 = reader.Hash("frame SHA-256");
                    operations[i] = PayloadOperation.Data(offset, (int)length, reader.Hash("output SHA-256"), dataOffset, (int)frameLength, frameSha256);
                    dataOffset += frameLength;
                    break;
                case PayloadOperationKind.Zero:
                    operations[i] = PayloadOperation.Zero(offset, (int)length);
                    break;
                case PayloadOperationKind.Copy:
                    var sourceOffset = (long)reader.UInt64("source offset");
                    if (source is null)
                    {
                        throw Corrupt($"operation {i} copies from a source, but the payload is not a delta");
                    }

                    if (sourceOffset % PayloadFormat.BlockSize != 0 || sourceOffset > source.Size || source.Size - sourceOffset < length)
                    {
                        throw Corrupt($"operation {i} copies [{sourceOffset}, {sourceOffset + length}) which is not a block-aligned range of the {source.Size}-byte source");
                    }

                    operations[i] = PayloadOperation.Copy(offset, (int)length, sourceOffset, reader.Hash("source SHA-256"));
                    break;
                default:
                    throw Corrupt($"operation {i} has unknown kind {(int)kind}");
            }
        }

        if (end != imageSize)
        {
            throw Corrupt($"the operations end at {end}, not at the image size {imageSize}");
        }

        if (reader.Remaining != 0)
        {
            throw Corrupt($"{reader.Remaining} bytes follow the last operation");
        }

        if (dataOffset != header.DataLength)
        {
            throw Corrupt($"the operations' frames add up to {dataOffset} bytes, the header says the data section has {header.DataLength}");
        }

        return new PayloadManifest
        {
            FormatVersion = formatVersion,
            Version = version,
            Board = board,
            CreatedAt = DateTimeOffset.FromUnixTimeSeconds(created),
            KeyId = keyId,
            ImageSize = imageSize,
            ImageSha256 = imageSha256,
            ChunkSize = (int)chunkSize,
            Source = source,
            Operations = operations,
        };
    }

    private static PayloadException Corrupt(string message) => new(PayloadErrorKind.Corrupt, "manifest: " + message);

    private static void WriteText(ArrayBufferWriter<byte> writer, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        if (bytes.Length > PayloadFormat.MaxTextLength)
        {
            throw new ArgumentException($"'{text}' is longer than {PayloadFormat.MaxTextLength} bytes");
        }

        writer.Write([(byte)bytes.Length]);
        writer.Write(bytes);
    }

    private static void WriteUInt16(ArrayBufferWriter<byte> writer, ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(writer.GetSpan(2), value);
        writer.Advance(2);
    }

    private static void WriteUInt32(ArrayBufferWriter<byte> writer, uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(writer.GetSpan(4), value);
        writer.Advance(4);
    }

    private static void WriteUInt64(ArrayBufferWriter<byte> writer, ulong value)
    {
        BinaryPrimitives.WriteUInt64BigEndian(writer.GetSpan(8), value);
        writer.Advance(8);
    }

    private static void WriteHash(ArrayBufferWriter<byte> writer, Sha256Hash hash)
    {
        hash.WriteTo(writer.GetSpan(Sha256Hash.Size));
        writer.Advance(Sha256Hash.Size);
    }

    /// <summary>Reads fields in order; running out of bytes is a corrupt manifest naming the field.</summary>
    private ref struct Reader(ReadOnlySpan<byte> bytes)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private int _position;

        public readonly int Remaining => _bytes.Length - _position;

        public ReadOnlySpan<byte> Bytes(int count, string field)
        {
            if (Remaining < count)
            {
                throw Corrupt($"it ends at byte {_bytes.Length} inside the {field}");
            }

            var span = _bytes.Slice(_position, count);
            _position += count;
            return span;
        }

        public byte UInt8(string field) => Bytes(1, field)[0];

        public ushort UInt16(string field) => BinaryPrimitives.ReadUInt16BigEndian(Bytes(2, field));

        public uint UInt32(string field) => BinaryPrimitives.ReadUInt32BigEndian(Bytes(4, field));

        public ulong UInt64(string field) => BinaryPrimitives.ReadUInt64BigEndian(Bytes(8, field));

        public Sha256Hash Hash(string field) => Sha256Hash.Read(Bytes(Sha256Hash.Size, field));

        public string Text(string field)
        {
            var length = UInt8(field + " length");
            try
            {
                return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Bytes(length, field));
            }
            catch (DecoderFallbackException)
            {
                throw Corrupt($"the {field} is not UTF-8");
            }
        }
    }
}
