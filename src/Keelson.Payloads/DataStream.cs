using System.Buffers;

namespace Keelson.Payloads;

/// <summary>
/// The data section, streamed: the reader takes each Data operation's frame off the payload in order; workers
/// check the frame's SHA-256 before decompressing it and decompress it, or read a copy's source bytes, and with
/// <c>checkOutputs</c> check the output's SHA-256 too; the consumer gets the outputs in operation order.
/// </summary>
internal static class DataStream
{
    public static async Task RunAsync(
        Stream payload, PayloadHeader header, PayloadManifest manifest, SlotFile? source, bool checkOutputs, int workers, Action<DataChunk> consume,
        CancellationToken cancellationToken)
    {
        var window = Math.Max(4, (2 * Environment.ProcessorCount) + 2);
        // A pool of its own: at most a window's worth of frames and outputs, whatever the image size.
        var buffers = ArrayPool<byte>.Create(PayloadFormat.MaxFrameLength(manifest.ChunkSize), (2 * window) + 4);
        using var zstd = new ZstdContexts(level: 0);
        var operations = manifest.Operations;
        await OrderedPipeline.RunAsync<DataChunk>(window, workers, async (post, token) =>
        {
            for (var i = 0; i < operations.Count; i++)
            {
                var index = i;
                var operation = operations[i];
                byte[]? frame = null;
                if (operation.Kind == PayloadOperationKind.Data)
                {
                    frame = buffers.Rent(operation.DataLength);
                    await PayloadReader.ReadExactlyAsync(payload, frame.AsMemory(0, operation.DataLength), $"the data of operation {i}", token);
                }

                await post(() => Produce(index, operation, frame, source, checkOutputs, buffers, zstd));
            }

            if (!payload.CanSeek && await payload.ReadAsync(new byte[1], token) > 0)
            {
                throw new PayloadException(PayloadErrorKind.Corrupt,
                    $"the payload goes on after its end (its header says {header.TotalLength} bytes)");
            }
        }, chunk =>
        {
            try
            {
                consume(chunk);
            }
            finally
            {
                if (chunk.Output is { } output)
                {
                    buffers.Return(output);
                }
            }
        }, cancellationToken);
    }

    /// <summary>Describes where an operation writes, for messages.</summary>
    public static string Describe(int index, PayloadOperation operation) =>
        $"operation {index} (image bytes {operation.TargetOffset}..{operation.TargetEnd})";

    private static DataChunk Produce(
        int index, PayloadOperation operation, byte[]? frame, SlotFile? source, bool checkOutputs, ArrayPool<byte> buffers, ZstdContexts zstd)
    {
        switch (operation.Kind)
        {
            case PayloadOperationKind.Data:
                var output = buffers.Rent(operation.Length);
                try
                {
                    var frameHash = Sha256Hash.Compute(frame.AsSpan(0, operation.DataLength));
                    if (frameHash != operation.DataSha256)
                    {
                        throw new PayloadException(PayloadErrorKind.Corrupt,
                            $"{Describe(index, operation)}: its zstd frame has SHA-256 {frameHash}, the manifest says {operation.DataSha256}: the payload's data is corrupt");
                    }

                    var length = zstd.Decompress(frame.AsSpan(0, operation.DataLength), output.AsSpan(0, operation.Length));
                    if (length != operation.Length)
                    {
                        throw new PayloadException(PayloadErrorKind.Corrupt,
                            $"{Describe(index, operation)}: its zstd frame does not decompress to {operation.Length} bytes");
                    }

                    if (checkOutputs)
                    {
                        Check(index, operation, output, PayloadErrorKind.Corrupt, "its decompressed bytes have");
                    }

                    return new DataChunk(index, operation, output);
                }
                catch
                {
                    buffers.Return(output);
                    throw;
                }
                finally
                {
                    buffers.Return(frame!);
                }

            case PayloadOperationKind.Copy when source is not null:
                var copy = buffers.Rent(operation.Length);
                try
                {
                    source.ReadExactly(copy.AsSpan(0, operation.Length), operation.SourceOffset);
                    if (checkOutputs)
                    {
                        Check(index, operation, copy, PayloadErrorKind.WrongDeltaSource, $"the source slot's bytes {operation.SourceOffset}..{operation.SourceOffset + operation.Length} have");
                    }

                    return new DataChunk(index, operation, copy);
                }
                catch
                {
                    buffers.Return(copy);
                    throw;
                }

            default:
                return new DataChunk(index, operation, null);
        }
    }

    private static void Check(int index, PayloadOperation operation, byte[] output, PayloadErrorKind kind, string what)
    {
        var hash = Sha256Hash.Compute(output.AsSpan(0, operation.Length));
        if (hash != operation.Sha256)
        {
            throw new PayloadException(kind, $"{Describe(index, operation)}: {what} SHA-256 {hash}, the manifest says {operation.Sha256}");
        }
    }
}
