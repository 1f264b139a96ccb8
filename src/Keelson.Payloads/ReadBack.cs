namespace Keelson.Payloads;

/// <summary>
/// Reads the slot back behind the writer and checks it against the manifest (<see cref="PayloadReadBack"/>): a
/// stage after the write, so an operation's range is read once it is written. No range is written twice, as the
/// operations tile the image, so the read-back overlaps the writing of the ranges after it and checks what the
/// slot holds at the end.
/// </summary>
internal abstract class ReadBack : IDisposable
{
    public static ReadBack Create(PayloadReadBack kind, SlotFile slot, PayloadManifest manifest) => kind switch
    {
        PayloadReadBack.ImageHash => new ImageReadBack(slot, manifest),
        PayloadReadBack.OperationHashes => new OperationReadBack(slot, manifest),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown read-back"),
    };

    /// <summary>The pipeline stage that reads back an operation once it is written, into its token's output buffer.</summary>
    public abstract PipelineStage<OperationBuffers> Stage { get; }

    /// <summary>
    /// Every operation went through <see cref="Stage"/>: throws <see cref="PayloadException"/>
    /// (<see cref="PayloadErrorKind.Corrupt"/>) when the slot does not hold the image.
    /// </summary>
    public abstract void Complete();

    public virtual void Dispose()
    {
    }
}
