using Keelson.Payloads;

namespace Keelson.Fuzz;

/// <summary>
/// The payload header and manifest reader, as <c>keelson payload inspect</c> calls it: unverified, so that the
/// fuzzer reaches the manifest decoder instead of stopping at the signature. PayloadException is a refusal.
/// </summary>
internal sealed class PayloadManifestTarget : IFuzzTarget
{
    public string Name => "payload";

    public string Description => "PayloadReader.ReadUnverifiedManifestAsync on a payload file; PayloadException is a refusal";

    public void Run(ReadOnlySpan<byte> input)
    {
        using var stream = new MemoryStream(input.ToArray(), writable: false);
        try
        {
            var manifest = PayloadReader.ReadUnverifiedManifestAsync(stream).GetAwaiter().GetResult();
            // What inspect prints of it.
            _ = manifest.DataLength;
            foreach (var kind in Enum.GetValues<PayloadOperationKind>())
            {
                _ = manifest.CountOf(kind);
                _ = manifest.BytesOf(kind);
            }
        }
        catch (PayloadException)
        {
        }
    }
}
