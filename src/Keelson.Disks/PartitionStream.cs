using Microsoft.Win32.SafeHandles;

namespace Keelson.Disks;

/// <summary>
/// A seekable stream over one partition of an image file or block device: position 0 is the partition's first byte,
/// and reads and writes stop at its end, so an installer cannot spill into the next partition. <see cref="Flush()"/>
/// on a writable stream makes the written data durable (fsync).
/// </summary>
public sealed class PartitionStream : Stream
{
    private readonly SafeFileHandle _handle;
    private readonly long _offset;
    private readonly bool _writable;
    private long _position;

    private PartitionStream(SafeFileHandle handle, long offset, long length, bool writable)
    {
        _handle = handle;
        _offset = offset;
        Length = length;
        _writable = writable;
    }

    /// <summary>Opens the byte range <paramref name="offset"/>..+<paramref name="length"/> of <paramref name="path"/>.</summary>
    public static PartitionStream Open(string path, long offset, long length, bool writable)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, writable ? FileAccess.ReadWrite : FileAccess.Read, FileShare.ReadWrite);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DiskException($"{path} cannot be opened: {e.Message}", e is not (FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException), e);
        }

        return new PartitionStream(handle, offset, length, writable);
    }

    public override bool CanRead => !_handle.IsClosed;

    public override bool CanSeek => !_handle.IsClosed;

    public override bool CanWrite => _writable && !_handle.IsClosed;

    public override long Length { get; }

    public override long Position
    {
        get => _position;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _position = value;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var count = (int)Math.Clamp(Length - _position, 0, buffer.Length);
        var read = count == 0 ? 0 : RandomAccess.Read(_handle, buffer[..count], _offset + _position);
        _position += read;
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var count = (int)Math.Clamp(Length - _position, 0, buffer.Length);
        var read = count == 0 ? 0 : await RandomAccess.ReadAsync(_handle, buffer[..count], _offset + _position, cancellationToken);
        _position += read;
        return read;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        CheckWrite(buffer.Length);
        RandomAccess.Write(_handle, buffer, _offset + _position);
        _position += buffer.Length;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        CheckWrite(buffer.Length);
        await RandomAccess.WriteAsync(_handle, buffer, _offset + _position, cancellationToken);
        _position += buffer.Length;
    }

    public override void Flush()
    {
        if (_writable)
        {
            RandomAccess.FlushToDisk(_handle);
        }
    }

    public override Task FlushAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Flush();
        return Task.CompletedTask;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        var target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            SeekOrigin.End => Length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        if (target < 0)
        {
            throw new IOException("cannot seek before the start of the partition");
        }

        _position = target;
        return target;
    }

    public override void SetLength(long value) => throw new NotSupportedException("a partition's size is fixed by the GPT");

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _handle.Dispose();
        }

        base.Dispose(disposing);
    }

    private void CheckWrite(int count)
    {
        if (!_writable)
        {
            throw new NotSupportedException("the partition stream was opened read-only");
        }

        if (_position + count > Length)
        {
            throw new IOException($"writing {count} bytes at {_position} would pass the end of the partition ({Length} bytes)");
        }
    }
}
