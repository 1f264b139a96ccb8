using System.Buffers;

namespace Keelson.Payloads;

/// <summary>Reads a payload's header and manifest, checking the signature before trusting a byte of the manifest.</summary>
public static class PayloadReader
{
    /// <summary>
    /// Reads the header and manifest from <paramref name="payload"/> and checks the signature with the trusted key
    /// the header names. On return the stream is at the first byte of the data section. Throws
    /// <see cref="PayloadException"/>: <see cref="PayloadErrorKind.UnknownKey"/>, <see cref="PayloadErrorKind.BadSignature"/>,
    /// <see cref="PayloadErrorKind.Truncated"/>, <see cref="PayloadErrorKind.Corrupt"/>, <see cref="PayloadErrorKind.Unsupported"/>.
    /// </summary>
    public static async Task<PayloadManifest> ReadManifestAsync(
        Stream payload, IReadOnlyCollection<PayloadPublicKey> trustedKeys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(trustedKeys);
        return (await ReadAsync(payload, trustedKeys, cancellationToken)).Manifest;
    }

    /// <summary>
    /// Reads the header and manifest without checking the signature: for showing what a payload claims
    /// (<c>keelson payload inspect</c>), never for installing it.
    /// </summary>
    public static async Task<PayloadManifest> ReadUnverifiedManifestAsync(Stream payload, CancellationToken cancellationToken = default) =>
        (await ReadAsync(payload, trustedKeys: null, cancellationToken)).Manifest;

    /// <summary>
    /// Checks a whole payload without writing it anywhere: the signature, then every frame's hash, that it
    /// decompresses to its operation's length and hash, and (for a full payload) that the operations produce the
    /// image's SHA-256. A delta's copies need the source image, so for a delta only its data is checked.
    /// </summary>
    public static async Task<PayloadManifest> VerifyAsync(
        Stream payload, IReadOnlyCollection<PayloadPublicKey> trustedKeys, IProgress<PayloadProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(trustedKeys);
        var (header, manifest) = await ReadAsync(payload, trustedKeys, cancellationToken);
        using var image = manifest.IsDelta ? null : System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        var zeros = new byte[Math.Min(manifest.ChunkSize, manifest.ImageSize)];
        long done = 0;
        var consume = new PipelineStage<OperationBuffers>("hash", PipelineStageMode.InOrder, (buffers, index) =>
        {
            var operation = manifest.Operations[(int)index];
            if (image is not null)
            {
                image.AppendData(buffers.HasOutput ? buffers.Output.AsSpan(0, operation.Length) : zeros.AsSpan(0, operation.Length));
            }

            done += operation.Length;
            progress?.Report(new PayloadProgress(done, manifest.ImageSize));
        });
        await DataStream.RunAsync(payload, header, manifest, source: null, checkOutputs: true, [consume], cancellationToken);
        if (image is not null)
        {
            var actual = Sha256Hash.Read(image.GetHashAndReset());
            if (actual != manifest.ImageSha256)
            {
                throw new PayloadException(PayloadErrorKind.Corrupt,
                    $"the operations produce an image with SHA-256 {actual}, the manifest says {manifest.ImageSha256}");
            }
        }

        return manifest;
    }

    /// <summary>Reads and checks the header, the manifest and (with <paramref name="trustedKeys"/>) the signature.</summary>
    internal static async Task<(PayloadHeader Header, PayloadManifest Manifest)> ReadAsync(
        Stream payload, IReadOnlyCollection<PayloadPublicKey>? trustedKeys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(payload);
        var headerBytes = new byte[PayloadFormat.HeaderSize];
        await ReadExactlyAsync(payload, headerBytes, "the header", cancellationToken);
        var header = PayloadHeader.Read(headerBytes);
        if (payload.CanSeek)
        {
            // A file shows its truncation before anything is read or written, not halfway through the data.
            var available = payload.Length - payload.Position + PayloadFormat.HeaderSize;
            if (available < header.TotalLength)
            {
                throw new PayloadException(PayloadErrorKind.Truncated,
                    $"the payload is truncated: it has {available} bytes, its header says {header.TotalLength}");
            }

            if (available > header.TotalLength)
            {
                throw new PayloadException(PayloadErrorKind.Corrupt,
                    $"the payload has {available - header.TotalLength} bytes after its end (its header says {header.TotalLength} bytes)");
            }
        }

        var signed = ArrayPool<byte>.Shared.Rent(PayloadFormat.HeaderSize + header.ManifestLength);
        try
        {
            headerBytes.CopyTo(signed, 0);
            var manifestBytes = signed.AsMemory(PayloadFormat.HeaderSize, header.ManifestLength);
            await ReadExactlyAsync(payload, manifestBytes, "the manifest", cancellationToken);
            var signature = new byte[header.SignatureLength];
            await ReadExactlyAsync(payload, signature, "the signature", cancellationToken);
            if (trustedKeys is not null)
            {
                var key = trustedKeys.FirstOrDefault(k => k.KeyId == header.KeyId)
                    ?? throw new PayloadException(PayloadErrorKind.UnknownKey, trustedKeys.Count == 0
                        ? $"the payload is signed by key {header.KeyId}, and no key is trusted"
                        : $"the payload is signed by key {header.KeyId}, which is not a trusted key (trusted: {string.Join(", ", trustedKeys.Select(k => k.KeyId))})");
                if (!key.Verify(signed.AsSpan(0, PayloadFormat.HeaderSize + header.ManifestLength), signature))
                {
                    throw new PayloadException(PayloadErrorKind.BadSignature,
                        $"the signature of key {header.KeyId} does not match the payload's header and manifest: the payload was altered");
                }
            }

            return (header, ManifestCodec.Decode(manifestBytes.Span, header));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(signed);
        }
    }

    /// <summary>Fills <paramref name="buffer"/>; the stream ending first is a truncated payload.</summary>
    internal static async ValueTask ReadExactlyAsync(Stream payload, Memory<byte> buffer, string what, CancellationToken cancellationToken)
    {
        try
        {
            await payload.ReadExactlyAsync(buffer, cancellationToken);
        }
        catch (EndOfStreamException e)
        {
            throw new PayloadException(PayloadErrorKind.Truncated, $"the payload is truncated: it ends inside {what}", e);
        }
        catch (IOException e)
        {
            throw new PayloadException(PayloadErrorKind.Io, $"reading the payload failed in {what}: {e.Message}", e);
        }
    }
}
