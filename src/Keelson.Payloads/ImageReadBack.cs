using System.Security.Cryptography;

namespace Keelson.Payloads;

/// <summary><see cref="PayloadReadBack.ImageHash"/>: the written ranges are read back in order into one SHA-256 of the whole slot.</summary>
internal sealed class ImageReadBack(SlotFile slot, PayloadManifest manifest) : ReadBack
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public override PipelineStage<OperationBuffers> Stage => new("read back", PipelineStageMode.InOrder, Append);

    public override void Complete()
    {
        var actual = Sha256Hash.Read(_hash.GetHashAndReset());
        if (actual != manifest.ImageSha256)
        {
            throw new PayloadException(PayloadErrorKind.Corrupt,
                $"after writing, the slot {slot.Slot} reads back with SHA-256 {actual} over {manifest.ImageSize} bytes, the image's is {manifest.ImageSha256}: the slot does not hold the signed image");
        }
    }

    public override void Dispose() => _hash.Dispose();

    private void Append(OperationBuffers buffers, long index)
    {
        var operation = manifest.Operations[(int)index];
        var bytes = buffers.Output.AsSpan(0, operation.Length);
        slot.ReadExactly(bytes, operation.TargetOffset);
        _hash.AppendData(bytes);
    }
}
