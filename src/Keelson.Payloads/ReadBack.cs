namespace Keelson.Payloads;

/// <summary>
/// Reads the slot back behind the writer and checks it against the manifest (<see cref="PayloadReadBack"/>). A
/// range is read once the writer is done with it; no range is written twice, as the operations tile the image, so
/// the read-back overlaps the writing of the ranges after it and checks what the slot holds at the end.
/// </summary>
internal abstract class ReadBack : IDisposable
{
    /// <summary>Bytes read at a time.</summary>
    protected const int BufferSize = 4 << 20;

    /// <summary>How many threads should decompress alongside this read-back.</summary>
    public abstract int StreamWorkers { get; }

    public static ReadBack Start(PayloadReadBack kind, SlotFile slot, PayloadManifest manifest, CancellationToken cancellationToken) => kind switch
    {
        PayloadReadBack.ImageHash => new ImageReadBack(slot, manifest, cancellationToken),
        PayloadReadBack.OperationHashes => new OperationReadBack(slot, manifest, cancellationToken),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown read-back"),
    };

    /// <summary>The writer is done with operation <paramref name="index"/> (called in operation order).</summary>
    public abstract void Written(int index);

    /// <summary>
    /// No more writes: returns once everything is read back, or throws <see cref="PayloadException"/>
    /// (<see cref="PayloadErrorKind.Corrupt"/>) when the slot does not hold the image.
    /// </summary>
    public abstract Task CompleteAsync();

    /// <summary>The write failed: stops reading back and returns once the read-back has ended.</summary>
    public abstract Task AbandonAsync();

    public abstract void Dispose();

    protected static Task Start(Action action) =>
        Task.Factory.StartNew(action, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
}
