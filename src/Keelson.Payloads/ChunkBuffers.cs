namespace Keelson.Payloads;

/// <summary>
/// A token of the create pipeline: one chunk of the new image in flight, its operations and their frames, in
/// buffers made once and reused for every chunk that passes through them.
/// </summary>
internal sealed class ChunkBuffers(int chunkSize)
{
    /// <summary>Where the chunk starts in the image.</summary>
    public long Offset { get; set; }

    /// <summary>The chunk's bytes in <see cref="Input"/> (the last chunk may be shorter).</summary>
    public int Length { get; set; }

    public byte[] Input { get; } = GC.AllocateUninitializedArray<byte>(chunkSize);

    /// <summary>The Data operations' frames back to back (their <see cref="PayloadOperation.DataOffset"/> counts from its start).</summary>
    public byte[] Frames { get; } = GC.AllocateUninitializedArray<byte>(ChunkEncoder.MaxFramesLength(chunkSize));

    public int FramesLength { get; set; }

    /// <summary>The chunk's operations, in order.</summary>
    public List<PayloadOperation> Operations { get; } = [];
}
