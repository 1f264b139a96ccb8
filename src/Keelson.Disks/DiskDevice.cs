namespace Keelson.Disks;

/// <summary>
/// Sector-addressed storage under a GPT: an image file or a block device. Internal so that tests can put a device in
/// between that stops after a given number of sector writes, as a power cut would.
/// </summary>
internal abstract class DiskDevice : IDisposable
{
    /// <summary>What the device is called in messages (its path).</summary>
    public abstract string Name { get; }

    /// <summary>Size in bytes.</summary>
    public abstract long Length { get; }

    /// <summary>Logical sector size in bytes (512 or 4096).</summary>
    public abstract int SectorSize { get; }

    public abstract bool IsBlockDevice { get; }

    public abstract bool CanWrite { get; }

    public long SectorCount => Length / SectorSize;

    /// <summary>Fills <paramref name="buffer"/> from <paramref name="offset"/>; a short read is an error.</summary>
    public abstract ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken);

    public abstract ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>Makes every completed write durable (fsync).</summary>
    public abstract ValueTask FlushAsync(CancellationToken cancellationToken);

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }
}
