using System.Security.Cryptography;

namespace Keelson.Payloads;

/// <summary>Makes signed payloads of images: full, or deltas against an old image.</summary>
public static class PayloadCreator
{
    /// <summary>
    /// Reads the image once, in chunks compressed and hashed in parallel, and writes the payload to
    /// <paramref name="outputPath"/> (through a temporary file renamed at the end, so a reader never sees half a
    /// payload). The data goes to a temporary file next to the output until the manifest, which precedes it, is
    /// known; then the kernel copies it behind the manifest (no pass through this process) and the disk starts
    /// writing each part as it is copied, so the final fsync finds little left.
    /// </summary>
    public static async Task<PayloadCreateResult> CreateAsync(
        PayloadCreateOptions options, string outputPath, IProgress<PayloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(outputPath);
        Validate(options);
        var createdAt = DateTimeOffset.FromUnixTimeSeconds(options.TimeProvider.GetUtcNow().ToUnixTimeSeconds());

        using var image = SlotFile.Open(new SlotTarget(options.ImagePath), write: false, role: "image");
        if (image.Capacity == 0)
        {
            throw new PayloadException(PayloadErrorKind.Io, $"the image {options.ImagePath} is empty");
        }

        if (image.Capacity > PayloadFormat.MaxImageSize)
        {
            throw new PayloadException(PayloadErrorKind.TooLarge, $"the image {options.ImagePath} is {image.Capacity} bytes; a payload holds at most {PayloadFormat.MaxImageSize}");
        }

        using var sourceFile = options.SourceImagePath is { } sourcePath ? SlotFile.Open(new SlotTarget(sourcePath), write: false, role: "old image") : null;
        if (sourceFile is not null && sourceFile.Capacity is 0 or > PayloadFormat.MaxImageSize)
        {
            throw new PayloadException(PayloadErrorKind.TooLarge, $"the old image {options.SourceImagePath} is {sourceFile.Capacity} bytes; a delta's source holds 1 byte to {PayloadFormat.MaxImageSize}");
        }

        var index = sourceFile is null ? null : await BlockIndex.BuildAsync(sourceFile, options.ChunkSize, cancellationToken);

        var directory = Path.GetDirectoryName(Path.GetFullPath(outputPath))!;
        var temporary = Path.Combine(directory, $".{Path.GetFileName(outputPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            await using var data = new FileStream(Path.Combine(directory, $".{Path.GetFileName(outputPath)}.{Guid.NewGuid():N}.data"), new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.ReadWrite,
                Options = FileOptions.DeleteOnClose,
                BufferSize = 0,
            });
            var (operations, imageSha256) = await EncodeAsync(options, image, index, data, progress, cancellationToken);
            var manifest = new PayloadManifest
            {
                Version = options.Version,
                Board = options.Board,
                CreatedAt = createdAt,
                KeyId = options.Key.KeyId,
                ImageSize = image.Capacity,
                ImageSha256 = imageSha256,
                ChunkSize = options.ChunkSize,
                Source = index?.Image,
                Operations = operations,
            };
            var size = await WritePayloadAsync(manifest, options.Key, data, temporary, cancellationToken);
            File.Move(temporary, outputPath, overwrite: true);
            return new PayloadCreateResult(manifest, size);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PayloadException(PayloadErrorKind.Io, $"writing the payload {outputPath} failed: {e.Message}", e);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    private static void Validate(PayloadCreateOptions options)
    {
        ArgumentNullException.ThrowIfNull(options.Key);
        if (!ImageVersion.IsValid(options.Version))
        {
            throw new ArgumentException($"'{options.Version}' is not a version such as 2605.10.0 (at most {PayloadFormat.MaxTextLength} characters)", nameof(options));
        }

        if (!BoardName.IsValid(options.Board))
        {
            throw new ArgumentException($"'{options.Board}' is not a board name: 1 to {PayloadFormat.MaxTextLength} letters, digits, '.', '_' or '-'", nameof(options));
        }

        if (options.CompressionLevel is < 1 or > 19)
        {
            throw new ArgumentException($"zstd level {options.CompressionLevel} is outside 1 .. 19", nameof(options));
        }

        if (options.ChunkSize is < PayloadFormat.MinChunkSize or > PayloadFormat.MaxChunkSize || options.ChunkSize % PayloadFormat.BlockSize != 0)
        {
            throw new ArgumentException($"chunk size {options.ChunkSize} is not a multiple of {PayloadFormat.BlockSize} within {PayloadFormat.MinChunkSize} .. {PayloadFormat.MaxChunkSize}", nameof(options));
        }
    }

    private static async Task<(List<PayloadOperation> Operations, Sha256Hash ImageSha256)> EncodeAsync(
        PayloadCreateOptions options, SlotFile image, BlockIndex? index, FileStream data, IProgress<PayloadProgress>? progress,
        CancellationToken cancellationToken)
    {
        var size = image.Capacity;
        var chunkSize = (int)Math.Min(options.ChunkSize, size);
        using var zstd = new ZstdContexts(options.CompressionLevel);
        var encoder = new ChunkEncoder(index, zstd);
        using var imageHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var operations = new List<PayloadOperation>((int)Math.Min((size / chunkSize) + 1, PayloadFormat.MaxOperations));
        long dataOffset = 0;
        var append = new PipelineStage<ChunkBuffers>("append", PipelineStageMode.InOrder, (chunk, _) =>
        {
            imageHash.AppendData(chunk.Input, 0, chunk.Length);
            data.Write(chunk.Frames, 0, chunk.FramesLength);
            if (operations.Count + chunk.Operations.Count > PayloadFormat.MaxOperations)
            {
                throw new PayloadException(PayloadErrorKind.TooLarge, $"the image needs more than {PayloadFormat.MaxOperations} operations; use a larger chunk size");
            }

            foreach (var operation in chunk.Operations)
            {
                operations.Add(operation.Kind == PayloadOperationKind.Data ? operation with { DataOffset = dataOffset + operation.DataOffset } : operation);
            }

            dataOffset += chunk.FramesLength;
            progress?.Report(new PayloadProgress(chunk.Offset + chunk.Length, size));
        });
        await OrderedPipeline<ChunkBuffers>.RunAsync([.. Enumerable.Range(0, PipelineShape.Tokens).Select(_ => new ChunkBuffers(chunkSize))], PipelineShape.Threads,
            (chunk, i) =>
            {
                chunk.Offset = i * chunkSize;
                if (chunk.Offset >= size)
                {
                    return false;
                }

                chunk.Length = (int)Math.Min(chunkSize, size - chunk.Offset);
                image.ReadExactly(chunk.Input.AsSpan(0, chunk.Length), chunk.Offset);
                return true;
            },
            [new PipelineStage<ChunkBuffers>("encode", PipelineStageMode.Parallel, (chunk, _) => encoder.Encode(chunk)), append],
            cancellationToken);
        return (operations, Sha256Hash.Read(imageHash.GetHashAndReset()));
    }

    private static async Task<long> WritePayloadAsync(PayloadManifest manifest, PayloadSigningKey key, FileStream data, string path, CancellationToken cancellationToken)
    {
        var manifestBytes = ManifestCodec.Encode(manifest);
        if (manifestBytes.Length > PayloadFormat.MaxManifestLength)
        {
            throw new PayloadException(PayloadErrorKind.TooLarge, $"the manifest would be {manifestBytes.Length} bytes, more than {PayloadFormat.MaxManifestLength}; use a larger chunk size");
        }

        var header = new PayloadHeader(PayloadFormat.Version, PayloadFormat.EcdsaP256Sha256, manifestBytes.Length,
            PayloadFormat.EcdsaP256SignatureLength, key.KeyId, data.Length);
        var signed = new byte[PayloadFormat.HeaderSize + manifestBytes.Length];
        header.WriteTo(signed);
        manifestBytes.CopyTo(signed, PayloadFormat.HeaderSize);
        var signature = key.Sign(signed);

        await using var output = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            BufferSize = 0,
            PreallocationSize = header.TotalLength,
        });
        await output.WriteAsync(signed, cancellationToken);
        await output.WriteAsync(signature, cancellationToken);
        DataSection.CopyBehind(data, output, header.DataStart, cancellationToken);
        output.Flush(flushToDisk: true);
        return output.Length;
    }
}
