using System.Collections.Concurrent;

namespace Keelson.Payloads;

/// <summary><see cref="PayloadReadBack.OperationHashes"/>: one thread per core checks written operations against their hashes.</summary>
internal sealed class OperationReadBack : ReadBack
{
    private readonly SlotFile _slot;
    private readonly PayloadManifest _manifest;
    private readonly BlockingCollection<int> _written = [];
    private readonly CancellationTokenSource _stop;
    private readonly Task[] _checkers;
    private readonly Lock _lock = new();
    private (int Index, string Message)? _failure;
    private bool _failed;

    public OperationReadBack(SlotFile slot, PayloadManifest manifest, CancellationToken cancellationToken)
    {
        _slot = slot;
        _manifest = manifest;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _checkers = [.. Enumerable.Range(0, Math.Max(1, Environment.ProcessorCount)).Select(_ => Start(Check))];
    }

    public override int StreamWorkers => Math.Max(1, Environment.ProcessorCount);

    public override void Written(int index) => _written.Add(index, CancellationToken.None);

    public override async Task CompleteAsync()
    {
        _written.CompleteAdding();
        await Task.WhenAll(_checkers);
        if (_failure is { } failure)
        {
            throw new PayloadException(PayloadErrorKind.Corrupt, failure.Message);
        }
    }

    public override async Task AbandonAsync()
    {
        await _stop.CancelAsync();
        _written.CompleteAdding();
        try
        {
            await Task.WhenAll(_checkers);
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

    private void Check()
    {
        try
        {
            CheckWritten();
        }
        catch (OperationCanceledException) when (Volatile.Read(ref _failed))
        {
            // Another checker found the slot wrong and stopped the others.
        }
    }

    private void CheckWritten()
    {
        var buffer = GC.AllocateUninitializedArray<byte>(_manifest.ChunkSize);
        foreach (var index in _written.GetConsumingEnumerable(_stop.Token))
        {
            var operation = _manifest.Operations[index];
            var bytes = buffer.AsSpan(0, operation.Length);
            _slot.ReadExactly(bytes, operation.TargetOffset);
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
                lock (_lock)
                {
                    if (_failure is null || _failure.Value.Index > index)
                    {
                        _failure = (index, $"after writing, {DataStream.Describe(index, operation)} read back from the slot {_slot.Slot} {problem}: the slot does not hold the signed image");
                    }
                }

                Volatile.Write(ref _failed, true);

                _stop.Cancel();
                return;
            }
        }
    }
}
