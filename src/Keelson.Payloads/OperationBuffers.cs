namespace Keelson.Payloads;

/// <summary>
/// A token of the apply and verify pipelines: the buffers of one operation in flight, made once and reused for
/// every operation that passes through them.
/// </summary>
internal sealed class OperationBuffers(int outputLength, int frameLength)
{
    /// <summary>The operation's zstd frame, as read from the payload.</summary>
    public byte[] Frame { get; } = GC.AllocateUninitializedArray<byte>(frameLength);

    /// <summary>The operation's bytes (decompressed, or copied from the source); then the range read back from the slot.</summary>
    public byte[] Output { get; } = GC.AllocateUninitializedArray<byte>(outputLength);

    /// <summary>Whether <see cref="Output"/> holds the operation's bytes: not for zeros, nor for copies without a source to read.</summary>
    public bool HasOutput { get; set; }

    /// <summary>The tokens for <paramref name="manifest"/>: each as large as its largest operation and frame (at most a chunk and its frame bound).</summary>
    public static OperationBuffers[] For(PayloadManifest manifest)
    {
        var outputLength = 0;
        var frameLength = 0;
        foreach (var operation in manifest.Operations)
        {
            outputLength = Math.Max(outputLength, operation.Length);
            frameLength = Math.Max(frameLength, operation.DataLength);
        }

        return [.. Enumerable.Range(0, PipelineShape.Tokens).Select(_ => new OperationBuffers(outputLength, frameLength))];
    }
}
