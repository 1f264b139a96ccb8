using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Keelson.Payloads;

/// <summary>
/// Installs a payload into a slot the way <c>rauc install</c> does, and nothing more: it never marks a slot
/// bootable, which is the agent's job once this returns.
/// </summary>
public static class PayloadInstaller
{
    private const int HashBufferSize = 4 << 20;
    private const long WritebackStep = 8 << 20;

    /// <summary>
    /// Streams <paramref name="payload"/> into <paramref name="target"/>: reads the header and manifest and checks,
    /// before writing anything, the signature against the trusted keys, the board, the version against the running
    /// one, that the image fits the slot, and for a delta that the source slot holds the blocks it copies. Then
    /// every frame's SHA-256 is checked as it arrives, before it is decompressed, and its output (or a copy's
    /// source bytes) written at its offset, with no temporary copy. The written range is read back behind the
    /// writer and checked as <see cref="PayloadApplyOptions.ReadBack"/> says (by default: it must have the image's
    /// SHA-256), and the data flushed to the device (fsync), before this returns. Any refusal throws <see cref="PayloadException"/> naming the reason; progress counts image bytes
    /// written.
    /// </summary>
    public static async Task<PayloadApplyResult> ApplyAsync(
        Stream payload, SlotTarget target, PayloadApplyOptions options, IProgress<PayloadProgress>? progress = null,
        CancellationToken cancellationToken = default) =>
        (await ApplyWithReportAsync(payload, target, options, progress, cancellationToken)).Result;

    /// <summary><see cref="ApplyAsync"/>, with what the data pipeline did (for tests of its bounds).</summary>
    internal static async Task<(PayloadApplyResult Result, PipelineResult Pipeline)> ApplyWithReportAsync(
        Stream payload, SlotTarget target, PayloadApplyOptions options, IProgress<PayloadProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(payload);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(options);
        if (options.RunningVersion is { } running && !ImageVersion.IsValid(running))
        {
            throw new ArgumentException($"the running version '{running}' is not a version such as 2605.10.0", nameof(options));
        }

        var (header, manifest) = await PayloadReader.ReadAsync(payload, options.TrustedKeys, cancellationToken);
        CheckCompatible(manifest, options);

        using var slot = SlotFile.Open(target, write: true);
        if (slot.Capacity < manifest.ImageSize)
        {
            throw new PayloadException(PayloadErrorKind.TooLarge,
                $"the image of version {manifest.Version} is {manifest.ImageSize} bytes, the slot {target} holds only {slot.Capacity}");
        }

        using var source = manifest.Source is { } delta ? OpenSource(delta, options.Source, target) : null;
        if (source is not null)
        {
            await CheckSourceAsync(manifest, source, cancellationToken);
        }

        // Nothing has been written so far: every refusal above left the target as it was.
        var pipeline = await WriteAsync(payload, header, manifest, slot, source, options, progress, cancellationToken);
        return (new PayloadApplyResult(manifest, manifest.BytesOf(PayloadOperationKind.Data), manifest.BytesOf(PayloadOperationKind.Copy),
            manifest.BytesOf(PayloadOperationKind.Zero)), pipeline);
    }

    private static void CheckCompatible(PayloadManifest manifest, PayloadApplyOptions options)
    {
        if (!string.Equals(manifest.Board, options.Board, StringComparison.Ordinal))
        {
            throw new PayloadException(PayloadErrorKind.BoardMismatch,
                $"the payload is for board {manifest.Board}, this machine is {options.Board}");
        }

        if (options.RunningVersion is { } running && !options.AllowDowngrade && ImageVersion.Compare(manifest.Version, running) < 0)
        {
            throw new PayloadException(PayloadErrorKind.Downgrade,
                $"the payload's version {manifest.Version} is lower than the running version {running}; downgrades must be allowed explicitly");
        }
    }

    private static SlotFile OpenSource(PayloadDeltaSource delta, SlotTarget? source, SlotTarget target)
    {
        if (source is null)
        {
            throw new PayloadException(PayloadErrorKind.SourceRequired,
                $"the payload is a delta from the image with SHA-256 {delta.Sha256} ({delta.Size} bytes): give the slot that holds it (the active slot) as the source");
        }

        if (SameFile(source.Path, target.Path) && Overlap(source, target))
        {
            throw new PayloadException(PayloadErrorKind.WrongDeltaSource,
                $"the source slot {source} overlaps the target slot {target}: a delta reads the active slot and writes the other one");
        }

        var file = SlotFile.Open(source, write: false);
        if (file.Capacity < delta.Size)
        {
            file.Dispose();
            throw new PayloadException(PayloadErrorKind.WrongDeltaSource,
                $"this delta is for a source image of {delta.Size} bytes with SHA-256 {delta.Sha256}; the source slot {source} has only {file.Capacity} bytes");
        }

        return file;
    }

    /// <summary>Reads every block the delta copies and checks it against the manifest, before anything is written.</summary>
    private static async Task CheckSourceAsync(PayloadManifest manifest, SlotFile source, CancellationToken cancellationToken)
    {
        var copies = manifest.Operations.Select((operation, index) => (Operation: operation, Index: index)).Where(o => o.Operation.Kind == PayloadOperationKind.Copy).ToList();
        var mismatches = new ConcurrentBag<(PayloadOperation Operation, int Index)>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            await Parallel.ForEachAsync(copies, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = stop.Token }, (copy, _) =>
            {
                var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(copy.Operation.Length);
                try
                {
                    source.ReadExactly(buffer.AsSpan(0, copy.Operation.Length), copy.Operation.SourceOffset);
                    if (Sha256Hash.Compute(buffer.AsSpan(0, copy.Operation.Length)) != copy.Operation.Sha256)
                    {
                        mismatches.Add(copy);
                        stop.Cancel();
                    }
                }
                finally
                {
                    System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
                }

                return ValueTask.CompletedTask;
            });
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Stopped at the first mismatch.
        }

        if (mismatches.IsEmpty)
        {
            return;
        }

        var first = mismatches.MinBy(m => m.Index);
        var delta = manifest.Source!;
        var actual = HashRange(source, delta.Size, cancellationToken);
        throw new PayloadException(PayloadErrorKind.WrongDeltaSource,
            $"this delta is for the source image with SHA-256 {delta.Sha256} ({delta.Size} bytes); the source slot {source.Slot} holds another: "
            + $"its first {delta.Size} bytes have SHA-256 {actual} (source bytes {first.Operation.SourceOffset}..{first.Operation.SourceOffset + first.Operation.Length} differ). Nothing was written.");
    }

    /// <summary>
    /// Streams the data into the slot: frames are checked and decompressed on every core, written in operation
    /// order, then read back and checked (<see cref="ReadBack"/>); the slot is flushed to the device at the end.
    /// </summary>
    private static async Task<PipelineResult> WriteAsync(
        Stream payload, PayloadHeader header, PayloadManifest manifest, SlotFile slot, SlotFile? source, PayloadApplyOptions options,
        IProgress<PayloadProgress>? progress, CancellationToken cancellationToken)
    {
        var zeros = new byte[Math.Min(manifest.ChunkSize, manifest.ImageSize)];
        using var readBack = ReadBack.Create(options.ReadBack, slot, manifest);
        long handedToWriteback = 0;
        var write = new PipelineStage<OperationBuffers>("write", PipelineStageMode.InOrder, (buffers, index) =>
        {
            var operation = manifest.Operations[(int)index];
            if (buffers.HasOutput)
            {
                slot.Write(buffers.Output.AsSpan(0, operation.Length), operation.TargetOffset);
            }
            else if (operation.Kind == PayloadOperationKind.Zero)
            {
                slot.Write(zeros.AsSpan(0, operation.Length), operation.TargetOffset);
            }
            else
            {
                throw new InvalidOperationException($"{DataStream.Describe((int)index, operation)} has no output");
            }

            // The disk starts writing now rather than at the final flush, while the CPU decompresses.
            if (operation.TargetEnd - handedToWriteback >= WritebackStep)
            {
                slot.StartWriteback(handedToWriteback, operation.TargetEnd - handedToWriteback);
                handedToWriteback = operation.TargetEnd;
            }

            progress?.Report(new PayloadProgress(operation.TargetEnd, manifest.ImageSize));
        });
        var result = await DataStream.RunAsync(payload, header, manifest, source, options.CheckChunkOutputs, [write, readBack.Stage], cancellationToken);
        readBack.Complete();
        slot.Flush();
        return result;
    }

    private static Sha256Hash HashRange(SlotFile slot, long length, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = GC.AllocateUninitializedArray<byte>(HashBufferSize);
        for (long position = 0; position < length; position += buffer.Length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var count = (int)Math.Min(buffer.Length, length - position);
            slot.ReadExactly(buffer.AsSpan(0, count), position);
            hash.AppendData(buffer, 0, count);
        }

        return Sha256Hash.Read(hash.GetHashAndReset());
    }

    private static bool SameFile(string a, string b)
    {
        static string Resolve(string path)
        {
            var info = new FileInfo(path);
            return info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? info.FullName;
        }

        return string.Equals(Resolve(a), Resolve(b), StringComparison.Ordinal);
    }

    private static bool Overlap(SlotTarget a, SlotTarget b)
    {
        var aEnd = a.Length is { } aLength ? a.Offset + aLength : long.MaxValue;
        var bEnd = b.Length is { } bLength ? b.Offset + bLength : long.MaxValue;
        return a.Offset < bEnd && b.Offset < aEnd;
    }
}
