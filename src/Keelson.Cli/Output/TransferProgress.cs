namespace Keelson.Cli.Output;

/// <summary>
/// How far a long command has come, in bytes of work, moving only forward. The work is a fixed list of stages, each
/// a known number of bytes (an upload: the file; a payload: its image), so the total never changes. A report says how
/// far one stage is; the position is the stages before it plus that, and it is taken only when it is past the
/// position already reached. So a late report from another thread, a report of a stage already left behind, or a
/// stage whose count starts again, never moves it back: the percentage can only grow.
/// </summary>
/// <remarks>
/// Thread-safe. <see cref="Advanced"/> is called under the model's lock, once per step forward, in order: whoever
/// listens sees the positions rising, whichever threads reported them.
/// </remarks>
internal sealed class TransferProgress
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly long _started;
    private readonly long[] _sizes;
    private readonly long[] _offsets;
    private long _done;
    private int _stage;

    public TransferProgress(IReadOnlyList<ProgressStage> stages, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(stages);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfZero(stages.Count);
        Stages = stages;
        _time = time;
        _started = time.GetTimestamp();
        _sizes = [.. stages.Select(s => Math.Max(0, s.Bytes))];
        _offsets = new long[_sizes.Length];
        for (var i = 1; i < _sizes.Length; i++)
        {
            _offsets[i] = _offsets[i - 1] + _sizes[i - 1];
        }

        Total = _offsets[^1] + _sizes[^1];
    }

    /// <summary>Called after every step forward, under the model's lock, with the positions in increasing order.</summary>
    public event Action<TransferProgress>? Advanced;

    public IReadOnlyList<ProgressStage> Stages { get; }

    /// <summary>Bytes of all the stages together; fixed.</summary>
    public long Total { get; }

    /// <summary>Bytes done so far; never decreases.</summary>
    public long Done
    {
        get
        {
            lock (_lock)
            {
                return _done;
            }
        }
    }

    /// <summary>The stage being worked on now.</summary>
    public ProgressStage Stage
    {
        get
        {
            lock (_lock)
            {
                return Stages[_stage];
            }
        }
    }

    /// <summary>Whole percent done, 0 to 100 (100 for no work at all); never decreases.</summary>
    public int Percent => PercentOf(Done);

    /// <summary>Bytes per second since the start, on average.</summary>
    public double BytesPerSecond
    {
        get
        {
            var elapsed = _time.GetElapsedTime(_started).TotalSeconds;
            return elapsed > 0 ? Done / elapsed : 0;
        }
    }

    /// <summary>Stage <paramref name="stage"/> has done <paramref name="bytesDone"/> of its bytes; ignored unless that is further than reached.</summary>
    public void Report(int stage, long bytesDone)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(stage);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(stage, _sizes.Length);
        lock (_lock)
        {
            var position = _offsets[stage] + Math.Clamp(bytesDone, 0, _sizes[stage]);
            if (position <= _done)
            {
                return;
            }

            _done = position;
            _stage = stage;
            Advanced?.Invoke(this);
        }
    }

    /// <summary>Every stage is done (an operation whose last report came short, e.g. a file that shrank).</summary>
    public void Complete() => Report(_sizes.Length - 1, _sizes[^1]);

    /// <summary>Reports of one stage, as the payload library gives them: image bytes done.</summary>
    public IProgress<Keelson.Payloads.PayloadProgress> ForPayload(int stage) => new Sink<Keelson.Payloads.PayloadProgress>(this, stage, p => p.BytesDone);

    /// <summary>Reports of one stage as a count of bytes.</summary>
    public IProgress<long> ForBytes(int stage) => new Sink<long>(this, stage, bytes => bytes);

    public int PercentOf(long done) => Total == 0 ? 100 : (int)(Math.Clamp(done, 0, Total) * 100 / Total);

    // Reports synchronously on the reporting thread: Progress<T> would post each report to the thread pool, where
    // they run in any order (which is how the old percentages went from 41% back to 40%).
    private sealed class Sink<T>(TransferProgress progress, int stage, Func<T, long> bytes) : IProgress<T>
    {
        public void Report(T value) => progress.Report(stage, bytes(value));
    }
}
