namespace Keelson.Payloads;

/// <summary>
/// The data section, streamed through an <see cref="OrderedPipeline{T}"/>: each Data operation's frame is read off
/// the payload in order into a token; on every core, a frame's SHA-256 is checked before it is decompressed, a
/// copy's source bytes are read, and with <c>checkOutputs</c> the output's SHA-256 is checked too; then the caller's
/// stages (write, read back, hash) take the operations, in order or in parallel as each says. At most
/// <see cref="PipelineShape.Tokens"/> operations are in flight, whatever the image size.
/// </summary>
internal static class DataStream
{
    public static async Task<PipelineResult> RunAsync(
        Stream payload, PayloadHeader header, PayloadManifest manifest, SlotFile? source, bool checkOutputs,
        IReadOnlyList<PipelineStage<OperationBuffers>> stages, CancellationToken cancellationToken)
    {
        var operations = manifest.Operations;
        using var zstd = new ZstdContexts(level: 0);
        var produce = new PipelineStage<OperationBuffers>("produce", PipelineStageMode.Parallel,
            (buffers, index) => Produce((int)index, operations[(int)index], header, buffers, source, checkOutputs, zstd));
        // Awaited here: the contexts are disposed only once no thread can be using one.
        return await OrderedPipeline<OperationBuffers>.RunAsync(OperationBuffers.For(manifest), PipelineShape.Threads, (buffers, index) =>
        {
            if (index == operations.Count)
            {
                CheckEnd(payload, header);
                return false;
            }

            var operation = operations[(int)index];
            if (operation.Kind == PayloadOperationKind.Data)
            {
                ReadFrame(payload, buffers.Frame.AsSpan(0, operation.DataLength), (int)index, operation);
            }

            return true;
        }, [produce, .. stages], cancellationToken);
    }

    /// <summary>Describes where an operation writes, for messages.</summary>
    public static string Describe(int index, PayloadOperation operation) =>
        $"operation {index} (image bytes {operation.TargetOffset}..{operation.TargetEnd})";

    /// <summary>Where an operation's frame lies in the payload, for messages.</summary>
    private static string FrameBytes(PayloadOperation operation, PayloadHeader header) =>
        $"payload bytes {header.DataStart + operation.DataOffset}..{header.DataStart + operation.DataOffset + operation.DataLength}";

    private static void ReadFrame(Stream payload, Span<byte> frame, int index, PayloadOperation operation)
    {
        try
        {
            payload.ReadExactly(frame);
        }
        catch (EndOfStreamException e)
        {
            throw new PayloadException(PayloadErrorKind.Truncated, $"the payload is truncated: it ends inside the zstd frame of {Describe(index, operation)}", e);
        }
        catch (IOException e)
        {
            throw new PayloadException(PayloadErrorKind.Io, $"reading the payload failed in the zstd frame of {Describe(index, operation)}: {e.Message}", e);
        }
    }

    /// <summary>A stream that cannot tell its length up front must end right after the last frame.</summary>
    private static void CheckEnd(Stream payload, PayloadHeader header)
    {
        Span<byte> more = stackalloc byte[1];
        if (!payload.CanSeek && payload.Read(more) > 0)
        {
            throw new PayloadException(PayloadErrorKind.Corrupt,
                $"the payload goes on after its end (its header says {header.TotalLength} bytes)");
        }
    }

    private static void Produce(
        int index, PayloadOperation operation, PayloadHeader header, OperationBuffers buffers, SlotFile? source, bool checkOutputs, ZstdContexts zstd)
    {
        var output = buffers.Output.AsSpan(0, operation.Length);
        buffers.HasOutput = false;
        switch (operation.Kind)
        {
            case PayloadOperationKind.Data:
                var frame = buffers.Frame.AsSpan(0, operation.DataLength);
                var frameHash = Sha256Hash.Compute(frame);
                if (frameHash != operation.DataSha256)
                {
                    throw new PayloadException(PayloadErrorKind.Corrupt,
                        $"{Describe(index, operation)}: its zstd frame has SHA-256 {frameHash}, the manifest says {operation.DataSha256}: the payload's data is corrupt ({FrameBytes(operation, header)})");
                }

                if (zstd.Decompress(frame, output) != operation.Length)
                {
                    throw new PayloadException(PayloadErrorKind.Corrupt,
                        $"{Describe(index, operation)}: its zstd frame ({FrameBytes(operation, header)}) does not decompress to {operation.Length} bytes");
                }

                if (checkOutputs)
                {
                    Check(index, operation, output, PayloadErrorKind.Corrupt, "its decompressed bytes have");
                }

                buffers.HasOutput = true;
                break;

            case PayloadOperationKind.Copy when source is not null:
                source.ReadExactly(output, operation.SourceOffset);
                if (checkOutputs)
                {
                    Check(index, operation, output, PayloadErrorKind.WrongDeltaSource, $"the source slot's bytes {operation.SourceOffset}..{operation.SourceOffset + operation.Length} have");
                }

                buffers.HasOutput = true;
                break;

            default:
                break;
        }
    }

    private static void Check(int index, PayloadOperation operation, ReadOnlySpan<byte> output, PayloadErrorKind kind, string what)
    {
        var hash = Sha256Hash.Compute(output);
        if (hash != operation.Sha256)
        {
            throw new PayloadException(kind, $"{Describe(index, operation)}: {what} SHA-256 {hash}, the manifest says {operation.Sha256}");
        }
    }
}
