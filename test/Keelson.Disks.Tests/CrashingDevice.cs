namespace Keelson.Disks.Tests;

/// <summary>
/// A disk that loses power after a given number of sector writes: writes go to the real image one sector at a time
/// (a sector is the unit a disk writes atomically), and the write that would exceed the budget throws instead,
/// leaving everything after it unwritten.
/// </summary>
internal sealed class CrashingDevice(DiskDevice inner, int sectorWritesBeforeCrash) : DiskDevice
{
    private int _written;

    public override string Name => inner.Name;

    public override long Length => inner.Length;

    public override int SectorSize => inner.SectorSize;

    public override bool IsBlockDevice => inner.IsBlockDevice;

    public override bool CanWrite => inner.CanWrite;

    /// <summary>Sector writes that reached the image.</summary>
    public int SectorsWritten => _written;

    public override ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken) =>
        inner.ReadAsync(offset, buffer, cancellationToken);

    public override async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        for (var done = 0; done < data.Length; done += SectorSize)
        {
            if (_written == sectorWritesBeforeCrash)
            {
                throw new SimulatedCrashException(_written);
            }

            await inner.WriteAsync(offset + done, data.Slice(done, Math.Min(SectorSize, data.Length - done)), cancellationToken);
            _written++;
        }
    }

    public override ValueTask FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }
    }
}
