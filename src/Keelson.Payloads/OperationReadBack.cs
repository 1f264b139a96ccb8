namespace Keelson.Payloads;

/// <summary><see cref="PayloadReadBack.OperationHashes"/>: each written range is read back and checked against its operation's hash, on every core.</summary>
internal sealed class OperationReadBack(SlotFile slot, PayloadManifest manifest) : ReadBack
{
    public override PipelineStage<OperationBuffers> Stage => new("read back", PipelineStageMode.Parallel, Check);

    public override void Complete()
    {
        // Each range was checked as it was read back.
    }

    private void Check(OperationBuffers buffers, long index)
    {
        var operation = manifest.Operations[(int)index];
        var bytes = buffers.Output.AsSpan(0, operation.Length);
        slot.ReadExactly(bytes, operation.TargetOffset);
        string? problem = null;
        if (operation.Kind == PayloadOperationKind.Zero)
        {
            if (bytes.ContainsAnyExcept((byte)0))
            {
                problem = "is not all zeros";
            }
        }
        else if (Sha256Hash.Compute(bytes) is var hash && hash != operation.Sha256)
        {
            problem = $"has SHA-256 {hash}, the manifest says {operation.Sha256}";
        }

        if (problem is not null)
        {
            throw new PayloadException(PayloadErrorKind.Corrupt,
                $"after writing, {DataStream.Describe((int)index, operation)} read back from the slot {slot.Slot} {problem}: the slot does not hold the signed image");
        }
    }
}
