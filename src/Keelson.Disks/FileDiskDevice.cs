using Microsoft.Win32.SafeHandles;

namespace Keelson.Disks;

/// <summary>A disk image file or a block device, read and written with positional I/O (pread/pwrite, fsync).</summary>
internal sealed class FileDiskDevice : DiskDevice
{
    private static readonly byte[] s_signature = "EFI PART"u8.ToArray();

    private readonly SafeFileHandle _handle;

    private FileDiskDevice(string name, SafeFileHandle handle, long length, int sectorSize, bool isBlockDevice, bool canWrite)
    {
        Name = name;
        _handle = handle;
        Length = length;
        SectorSize = sectorSize;
        IsBlockDevice = isBlockDevice;
        CanWrite = canWrite;
    }

    public override string Name { get; }

    public override long Length { get; }

    public override int SectorSize { get; }

    public override bool IsBlockDevice { get; }

    public override bool CanWrite { get; }

    /// <summary>
    /// Opens <paramref name="path"/>. A block device reports its own size and logical sector size; an image file
    /// uses <paramref name="sectorSize"/> when given, else the size at which a GPT signature is found (512 first,
    /// then 4096), else 512.
    /// </summary>
    public static FileDiskDevice Open(string path, bool writable, int? sectorSize)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (sectorSize is { } requested && requested is not (512 or 4096))
        {
            throw new ArgumentOutOfRangeException(nameof(sectorSize), requested, "the sector size must be 512 or 4096");
        }

        if (Directory.Exists(path))
        {
            throw new DiskException($"{path} is a directory, not a disk image or block device");
        }

        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, writable ? FileAccess.ReadWrite : FileAccess.Read, FileShare.ReadWrite);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new DiskException($"{path} does not exist");
        }
        catch (UnauthorizedAccessException e)
        {
            throw new DiskException($"{path} cannot be opened {(writable ? "for writing" : "for reading")}: {e.Message}");
        }
        catch (IOException e)
        {
            throw new DiskException($"{path} cannot be opened: {e.Message}", isTransient: true, e);
        }

        try
        {
            if (BlockDevice.TryGetGeometry(handle, out var deviceSize, out var deviceSectorSize))
            {
                if (sectorSize is { } told && told != deviceSectorSize)
                {
                    throw new DiskException($"{path} is a block device with {deviceSectorSize}-byte logical sectors, not {told}");
                }

                return new FileDiskDevice(path, handle, deviceSize, deviceSectorSize, isBlockDevice: true, writable);
            }

            var length = RandomAccess.GetLength(handle);
            return new FileDiskDevice(path, handle, length, sectorSize ?? SniffSectorSize(handle, length), isBlockDevice: false, writable);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public override async ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            while (!buffer.IsEmpty)
            {
                var read = await RandomAccess.ReadAsync(_handle, buffer, offset, cancellationToken);
                if (read == 0)
                {
                    throw new DiskException($"{Name}: unexpected end of the disk at byte {offset}");
                }

                buffer = buffer[read..];
                offset += read;
            }
        }
        catch (IOException e)
        {
            throw new DiskException($"{Name}: reading at byte {offset} failed: {e.Message}", isTransient: true, e);
        }
    }

    public override async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        try
        {
            await RandomAccess.WriteAsync(_handle, data, offset, cancellationToken);
        }
        catch (IOException e)
        {
            throw new DiskException($"{Name}: writing at byte {offset} failed: {e.Message}", isTransient: true, e);
        }
    }

    public override ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            RandomAccess.FlushToDisk(_handle);
        }
        catch (IOException e)
        {
            throw new DiskException($"{Name}: flushing to the disk failed: {e.Message}", isTransient: true, e);
        }

        return ValueTask.CompletedTask;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _handle.Dispose();
        }
    }

    /// <summary>The sector size at which a GPT header signature sits at LBA 1 or in the last sector.</summary>
    private static int SniffSectorSize(SafeFileHandle handle, long length)
    {
        foreach (var size in (int[])[512, 4096])
        {
            if (length >= 3L * size && (HasSignature(handle, size, length) || HasSignature(handle, length - size, length)))
            {
                return size;
            }
        }

        return 512;
    }

    private static bool HasSignature(SafeFileHandle handle, long offset, long length)
    {
        if (offset < 0 || offset + s_signature.Length > length)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[8];
        return RandomAccess.Read(handle, bytes, offset) == bytes.Length && bytes.SequenceEqual(s_signature);
    }
}
