using System.Collections.Concurrent;
using ZstdNet;

namespace Keelson.Payloads;

/// <summary>
/// zstd contexts reused across chunks (a context is not thread-safe, and making one per chunk costs more than
/// the chunk). Disposed only once no worker can be using one.
/// </summary>
internal sealed class ZstdContexts(int level) : IDisposable
{
    private readonly ConcurrentBag<Compressor> _compressors = [];
    private readonly ConcurrentBag<Decompressor> _decompressors = [];

    /// <summary>Compresses <paramref name="source"/> into one frame in <paramref name="destination"/>; returns its length.</summary>
    public int Compress(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (!_compressors.TryTake(out var compressor))
        {
            compressor = new Compressor(new CompressionOptions(level));
        }

        try
        {
            return compressor.Wrap(source, destination);
        }
        finally
        {
            _compressors.Add(compressor);
        }
    }

    /// <summary>Decompresses <paramref name="frame"/> into <paramref name="destination"/>; returns the output length, or -1 when the frame is not valid zstd or does not fit.</summary>
    public int Decompress(ReadOnlySpan<byte> frame, Span<byte> destination)
    {
        if (!_decompressors.TryTake(out var decompressor))
        {
            decompressor = new Decompressor();
        }

        try
        {
            return decompressor.Unwrap(frame, destination, bufferSizePrecheck: false);
        }
        catch (ZstdException)
        {
            return -1;
        }
        finally
        {
            _decompressors.Add(decompressor);
        }
    }

    public static int CompressBound(int length) => Compressor.GetCompressBound(length);

    public void Dispose()
    {
        while (_compressors.TryTake(out var compressor))
        {
            compressor.Dispose();
        }

        while (_decompressors.TryTake(out var decompressor))
        {
            decompressor.Dispose();
        }
    }
}
