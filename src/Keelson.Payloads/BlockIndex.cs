using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Keelson.Payloads;

/// <summary>
/// Where each 4 KiB block of an old image is, by content: a delta copies any block of the new image found
/// anywhere in the old one. Keyed by 8 bytes of the block's SHA-256; a hit is confirmed by comparing the bytes,
/// so a key collision costs a lookup, never a wrong copy. About 24 bytes per non-zero block of the old image.
/// </summary>
internal sealed class BlockIndex
{
    private readonly Dictionary<ulong, int> _blocks;

    private BlockIndex(SlotFile source, Dictionary<ulong, int> blocks, PayloadDeltaSource image)
    {
        Source = source;
        _blocks = blocks;
        Image = image;
    }

    public SlotFile Source { get; }

    /// <summary>The old image's size and SHA-256, for the manifest.</summary>
    public PayloadDeltaSource Image { get; }

    /// <summary>Reads the whole old image once: its SHA-256, and the key of every whole non-zero block.</summary>
    public static async Task<BlockIndex> BuildAsync(SlotFile source, int chunkSize, CancellationToken cancellationToken)
    {
        var size = source.Capacity;
        var blocks = new Dictionary<ulong, int>((int)Math.Min(size / PayloadFormat.BlockSize, 1 << 24));
        using var image = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var length = (int)Math.Min(chunkSize, size);
        var tokens = Enumerable.Range(0, PipelineShape.Tokens).Select(_ => new IndexedChunk(length)).ToArray();
        var index = new PipelineStage<IndexedChunk>("index", PipelineStageMode.InOrder, (chunk, _) =>
        {
            image.AppendData(chunk.Bytes, 0, chunk.Length);
            var first = (int)(chunk.Offset / PayloadFormat.BlockSize);
            for (var i = 0; i < chunk.Length / PayloadFormat.BlockSize; i++)
            {
                if (chunk.Keys[i] != 0)
                {
                    blocks.TryAdd(chunk.Keys[i], first + i);
                }
            }
        });
        await OrderedPipeline<IndexedChunk>.RunAsync(tokens, PipelineShape.Threads, (chunk, i) =>
        {
            chunk.Offset = i * length;
            if (chunk.Offset >= size)
            {
                return false;
            }

            chunk.Length = (int)Math.Min(length, size - chunk.Offset);
            source.ReadExactly(chunk.Bytes.AsSpan(0, chunk.Length), chunk.Offset);
            return true;
        }, [new PipelineStage<IndexedChunk>("key", PipelineStageMode.Parallel, (chunk, _) => Keys(chunk.Bytes.AsSpan(0, chunk.Length), chunk.Keys)), index],
            cancellationToken);
        return new BlockIndex(source, blocks, new PayloadDeltaSource(size, Sha256Hash.Read(image.GetHashAndReset())));
    }

    /// <summary>The key of a whole block; 0 (never stored) for a block of zeros, which needs no copy.</summary>
    public static ulong Key(ReadOnlySpan<byte> block)
    {
        if (!block.ContainsAnyExcept((byte)0))
        {
            return 0;
        }

        Span<byte> digest = stackalloc byte[Sha256Hash.Size];
        SHA256.HashData(block, digest);
        return BinaryPrimitives.ReadUInt64LittleEndian(digest) | 1;
    }

    /// <summary>Finds <paramref name="block"/> in the old image; <paramref name="scratch"/> (a block) holds the old bytes compared.</summary>
    public bool TryFind(ReadOnlySpan<byte> block, Span<byte> scratch, out long sourceOffset)
    {
        sourceOffset = 0;
        if (!_blocks.TryGetValue(Key(block), out var index))
        {
            return false;
        }

        sourceOffset = (long)index * PayloadFormat.BlockSize;
        return Matches(block, scratch, sourceOffset);
    }

    /// <summary>Whether the old image holds <paramref name="block"/> at <paramref name="sourceOffset"/>.</summary>
    public bool Matches(ReadOnlySpan<byte> block, Span<byte> scratch, long sourceOffset)
    {
        if (sourceOffset < 0 || sourceOffset > Source.Capacity - block.Length)
        {
            return false;
        }

        Source.ReadExactly(scratch[..block.Length], sourceOffset);
        return scratch[..block.Length].SequenceEqual(block);
    }

    /// <summary>The keys of the chunk's whole blocks; a partial last block is not indexed: the new image's blocks are whole ones.</summary>
    private static void Keys(ReadOnlySpan<byte> chunk, ulong[] keys)
    {
        for (var i = 0; i < chunk.Length / PayloadFormat.BlockSize; i++)
        {
            keys[i] = Key(chunk.Slice(i * PayloadFormat.BlockSize, PayloadFormat.BlockSize));
        }
    }

    /// <summary>A token of the indexing pipeline: one chunk of the old image and its blocks' keys.</summary>
    private sealed class IndexedChunk(int chunkSize)
    {
        public long Offset { get; set; }

        public int Length { get; set; }

        public byte[] Bytes { get; } = GC.AllocateUninitializedArray<byte>(chunkSize);

        public ulong[] Keys { get; } = new ulong[chunkSize / PayloadFormat.BlockSize];
    }
}
