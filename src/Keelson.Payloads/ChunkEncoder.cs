using System.Buffers;

namespace Keelson.Payloads;

/// <summary>
/// Turns one chunk of the new image into operations: runs of zero blocks become Zero, runs of blocks found in
/// the old image at consecutive offsets become Copy (deltas), the rest become Data (one zstd frame per run).
/// </summary>
internal sealed class ChunkEncoder(BlockIndex? index, ZstdContexts zstd)
{
    /// <summary>Zero runs shorter than this next to data go into the data's frame: a separate operation costs more than zstd does.</summary>
    private const int MinZeroRunBlocks = 16;

    /// <summary>A chunk split into more runs than this is one Data operation: it keeps the manifest's size bounded.</summary>
    private const int MaxRunsPerChunk = 64;

    private const byte ZeroBlock = 0;
    private const byte CopyBlock = 1;
    private const byte DataBlock = 2;

    /// <summary>The most bytes the frames of one chunk take: zstd's bound for the chunk, and a frame's overhead for each run.</summary>
    public static int MaxFramesLength(int chunkSize) => ZstdContexts.CompressBound(chunkSize) + (MaxRunsPerChunk * ZstdContexts.CompressBound(0));

    /// <summary>Encodes the chunk in <paramref name="buffers"/>: its operations and frames replace what they held.</summary>
    public void Encode(ChunkBuffers buffers)
    {
        var (offset, chunk, length) = (buffers.Offset, buffers.Input, buffers.Length);
        var blockCount = (length + PayloadFormat.BlockSize - 1) / PayloadFormat.BlockSize;
        var kinds = new byte[blockCount];
        var sources = new long[blockCount];
        var scratch = ArrayPool<byte>.Shared.Rent(PayloadFormat.BlockSize);
        try
        {
            for (var b = 0; b < blockCount; b++)
            {
                var block = chunk.AsSpan(b * PayloadFormat.BlockSize, Math.Min(PayloadFormat.BlockSize, length - (b * PayloadFormat.BlockSize)));
                if (!block.ContainsAnyExcept((byte)0))
                {
                    kinds[b] = ZeroBlock;
                }
                else if (index is not null && block.Length == PayloadFormat.BlockSize
                    && ((b > 0 && kinds[b - 1] == CopyBlock && index.Matches(block, scratch, sources[b - 1] + PayloadFormat.BlockSize) && Set(sources, b, sources[b - 1] + PayloadFormat.BlockSize))
                        || (index.TryFind(block, scratch, out var found) && Set(sources, b, found))))
                {
                    kinds[b] = CopyBlock;
                }
                else
                {
                    kinds[b] = DataBlock;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }

        var runs = Runs(kinds, sources);
        if (runs.Count > MaxRunsPerChunk)
        {
            runs = [(0, blockCount, DataBlock)];
        }

        Build(buffers, runs, sources);
    }

    private static bool Set(long[] sources, int block, long offset)
    {
        sources[block] = offset;
        return true;
    }

    private static List<(int Start, int Count, byte Kind)> Runs(byte[] kinds, long[] sources)
    {
        var runs = new List<(int Start, int Count, byte Kind)>();
        for (var b = 0; b < kinds.Length; b++)
        {
            var continues = runs.Count > 0 && runs[^1].Kind == kinds[b]
                && (kinds[b] != CopyBlock || sources[b] == sources[b - 1] + PayloadFormat.BlockSize);
            if (continues)
            {
                runs[^1] = runs[^1] with { Count = runs[^1].Count + 1 };
            }
            else
            {
                runs.Add((b, 1, kinds[b]));
            }
        }

        // Short zero runs next to data join it, then neighbouring data runs merge.
        for (var i = 0; i < runs.Count; i++)
        {
            var nextToData = (i > 0 && runs[i - 1].Kind == DataBlock) || (i + 1 < runs.Count && runs[i + 1].Kind == DataBlock);
            if (runs[i].Kind == ZeroBlock && runs[i].Count < MinZeroRunBlocks && nextToData)
            {
                runs[i] = runs[i] with { Kind = DataBlock };
            }
        }

        var merged = new List<(int Start, int Count, byte Kind)>(runs.Count);
        foreach (var run in runs)
        {
            if (merged.Count > 0 && merged[^1].Kind == DataBlock && run.Kind == DataBlock)
            {
                merged[^1] = merged[^1] with { Count = merged[^1].Count + run.Count };
            }
            else
            {
                merged.Add(run);
            }
        }

        return merged;
    }

    private void Build(ChunkBuffers buffers, List<(int Start, int Count, byte Kind)> runs, long[] sources)
    {
        var (offset, chunk, length) = (buffers.Offset, buffers.Input, buffers.Length);
        var operations = buffers.Operations;
        operations.Clear();
        var frames = buffers.Frames;
        var frameSpace = runs.Where(r => r.Kind == DataBlock).Sum(r => ZstdContexts.CompressBound(r.Count * PayloadFormat.BlockSize));
        if (frameSpace > frames.Length)
        {
            throw new InvalidOperationException($"the frames of a chunk need {frameSpace} bytes, more than the {frames.Length} of MaxFramesLength");
        }

        var framesLength = 0;
        foreach (var (start, count, kind) in runs)
        {
            var runOffset = start * PayloadFormat.BlockSize;
            var runLength = Math.Min(count * PayloadFormat.BlockSize, length - runOffset);
            var bytes = chunk.AsSpan(runOffset, runLength);
            var target = offset + runOffset;
            switch (kind)
            {
                case ZeroBlock:
                    operations.Add(PayloadOperation.Zero(target, runLength));
                    break;
                case CopyBlock:
                    operations.Add(PayloadOperation.Copy(target, runLength, sources[start], Sha256Hash.Compute(bytes)));
                    break;
                default:
                    var frameLength = zstd.Compress(bytes, frames.AsSpan(framesLength));
                    operations.Add(PayloadOperation.Data(target, runLength, Sha256Hash.Compute(bytes), framesLength, frameLength,
                        Sha256Hash.Compute(frames.AsSpan(framesLength, frameLength))));
                    framesLength += frameLength;
                    break;
            }
        }

        buffers.FramesLength = framesLength;
    }
}
