using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Keelson.Payloads;

/// <summary><see cref="PayloadReadBack.ImageHash"/>: one thread hashes the slot front to back as the writer goes.</summary>
internal sealed class ImageReadBack : ReadBack
{
    private readonly SlotFile _slot;
    private readonly PayloadManifest _manifest;
    private readonly BlockingCollection<long> _written = [];
    private readonly CancellationTokenSource _stop;
    private readonly Task<Sha256Hash> _hash;

    public ImageReadBack(SlotFile slot, PayloadManifest manifest, CancellationToken cancellationToken)
    {
        _slot = slot;
        _manifest = manifest;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _hash = Task.Factory.StartNew(Hash, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>One core fewer than the machine has: the hash cannot be split and is the longest chain of work, so it must not wait for a core.</summary>
    public override int StreamWorkers => Math.Max(1, Environment.ProcessorCount - 1);

    public override void Written(int index) => _written.Add(_manifest.Operations[index].TargetEnd, CancellationToken.None);

    public override async Task CompleteAsync()
    {
        _written.CompleteAdding();
        var actual = await _hash;
        if (actual != _manifest.ImageSha256)
        {
            throw new PayloadException(PayloadErrorKind.Corrupt,
                $"after writing, the slot {_slot.Slot} reads back with SHA-256 {actual} over {_manifest.ImageSize} bytes, the image's is {_manifest.ImageSha256}: the slot does not hold the signed image");
        }
    }

    public override async Task AbandonAsync()
    {
        await _stop.CancelAsync();
        _written.CompleteAdding();
        try
        {
            await _hash;
        }
        catch (Exception)
        {
            // The write failed first: that is the error to report.
        }
    }

    public override void Dispose()
    {
        _written.Dispose();
        _stop.Dispose();
    }

    private Sha256Hash Hash()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = GC.AllocateUninitializedArray<byte>(BufferSize);
        long position = 0;
        long end = 0;
        foreach (var writtenEnd in _written.GetConsumingEnumerable(_stop.Token))
        {
            end = writtenEnd;
            while (end - position >= buffer.Length)
            {
                _slot.ReadExactly(buffer, position);
                hash.AppendData(buffer);
                position += buffer.Length;
            }
        }

        while (position < end)
        {
            var length = (int)Math.Min(buffer.Length, end - position);
            _slot.ReadExactly(buffer.AsSpan(0, length), position);
            hash.AppendData(buffer, 0, length);
            position += length;
        }

        return Sha256Hash.Read(hash.GetHashAndReset());
    }
}
