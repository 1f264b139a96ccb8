namespace Keelson.Payloads;

/// <summary>
/// Moves items through stages on a few threads of its own, holding at most one item per token: a token is a set of
/// buffers made beforehand, so memory is fixed by the tokens, whatever the number of items. The first step fills a
/// free token with the next item (reading a payload or an image in order); each <see cref="PipelineStage{T}"/> then
/// runs on it, in order or in parallel as the stage says; after the last stage the token is free again.
/// <para>
/// Every thread runs whatever step is ready: in-order stages first (from the last one: finishing items frees
/// tokens), then filling, then parallel stages (the lowest index first), so no thread waits while work is ready,
/// and no thread is dedicated to a stage that may have nothing to do. Threads that find nothing ready block on a
/// monitor rather than spin: on a machine whose cores are busy with other work, a spinning wait
/// (<c>sched_yield</c>) hands the core away for a whole time slice at every item.
/// </para>
/// </summary>
internal sealed class OrderedPipeline<T>
    where T : class
{
    private const int Free = -1;

    private readonly object _gate = new();
    private readonly IReadOnlyList<T> _tokens;
    private readonly Func<T, long, bool> _fill;
    private readonly IReadOnlyList<PipelineStage<T>> _stages;
    private readonly TaskCompletionSource<PipelineResult> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Per token: the stage it waits for (Free: no item), the item's index, whether a thread works on it.
    private readonly int[] _stageOf;
    private readonly long[] _indexOf;
    private readonly bool[] _running;

    // Per in-order stage: the next index it takes, and whether a thread is in it.
    private readonly long[] _nextInOrder;
    private readonly bool[] _stageBusy;

    private long _nextIndex;
    private bool _filling;
    private bool _filled;
    private int _inFlight;
    private int _peakInFlight;
    private long _allocated;
    private int _threads;
    private long _failedIndex = long.MaxValue;
    private Exception? _failure;
    private bool _cancelled;

    private OrderedPipeline(IReadOnlyList<T> tokens, Func<T, long, bool> fill, IReadOnlyList<PipelineStage<T>> stages)
    {
        _tokens = tokens;
        _fill = fill;
        _stages = stages;
        _stageOf = [.. Enumerable.Repeat(Free, tokens.Count)];
        _indexOf = new long[tokens.Count];
        _running = new bool[tokens.Count];
        _nextInOrder = new long[stages.Count];
        _stageBusy = new bool[stages.Count];
    }

    /// <summary>
    /// Runs items through <paramref name="stages"/> on <paramref name="threads"/> threads until
    /// <paramref name="fill"/> (given a free token and the next index) returns <see langword="false"/>. The first
    /// failure stops the pipeline; it is thrown (the one of the lowest item index, when several items failed at
    /// once) after every thread has ended, so nothing uses a token once this completes.
    /// </summary>
    public static Task<PipelineResult> RunAsync(
        IReadOnlyList<T> tokens, int threads, Func<T, long, bool> fill, IReadOnlyList<PipelineStage<T>> stages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(fill);
        ArgumentNullException.ThrowIfNull(stages);
        ArgumentOutOfRangeException.ThrowIfLessThan(tokens.Count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        var pipeline = new OrderedPipeline<T>(tokens, fill, stages);
        return pipeline.StartAsync(threads, cancellationToken);
    }

    private async Task<PipelineResult> StartAsync(int threads, CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.Register(() =>
        {
            lock (_gate)
            {
                _cancelled = true;
                Monitor.PulseAll(_gate);
            }
        });
        _threads = threads;
        for (var i = 0; i < threads; i++)
        {
            new Thread(Work) { IsBackground = true, Name = $"keelson-pipeline-{i}" }.Start();
        }

        try
        {
            return await _done.Task;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
    }

    private void Work()
    {
        var allocatedAtStart = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            while (Take() is { } step)
            {
                Run(step);
            }
        }
        finally
        {
            Exit(GC.GetAllocatedBytesForCurrentThread() - allocatedAtStart);
        }
    }

    /// <summary>Waits for a ready step; <see langword="null"/> when the pipeline is done, failed or cancelled.</summary>
    private Step? Take()
    {
        lock (_gate)
        {
            while (true)
            {
                if (_failure is not null || _cancelled || (_filled && _inFlight == 0))
                {
                    return null;
                }

                if (TryTake() is { } step)
                {
                    return step;
                }

                Monitor.Wait(_gate);
            }
        }
    }

    private Step? TryTake()
    {
        for (var stage = _stages.Count - 1; stage >= 0; stage--)
        {
            if (_stages[stage].Mode == PipelineStageMode.InOrder && !_stageBusy[stage]
                && FindToken(stage, _nextInOrder[stage]) is var token and >= 0)
            {
                _stageBusy[stage] = true;
                return Begin(token, stage);
            }
        }

        if (!_filling && !_filled && FindToken(Free, -1) is var free and >= 0)
        {
            _filling = true;
            _indexOf[free] = _nextIndex;
            return Begin(free, Free);
        }

        for (var stage = _stages.Count - 1; stage >= 0; stage--)
        {
            if (_stages[stage].Mode == PipelineStageMode.Parallel && FindToken(stage, -1) is var token and >= 0)
            {
                return Begin(token, stage);
            }
        }

        return null;
    }

    /// <summary>The idle token waiting for <paramref name="stage"/> with the lowest index (or exactly <paramref name="index"/> when not -1); -1 if none.</summary>
    private int FindToken(int stage, long index)
    {
        var found = -1;
        for (var t = 0; t < _tokens.Count; t++)
        {
            if (_stageOf[t] != stage || _running[t] || (index >= 0 && _indexOf[t] != index))
            {
                continue;
            }

            if (found < 0 || _indexOf[t] < _indexOf[found])
            {
                found = t;
            }
        }

        return found;
    }

    private Step Begin(int token, int stage)
    {
        _running[token] = true;
        return new Step(token, stage, _indexOf[token]);
    }

    private void Run(Step step)
    {
        var item = _tokens[step.Token];
        var more = true;
        try
        {
            if (step.Stage == Free)
            {
                more = _fill(item, step.Index);
            }
            else
            {
                _stages[step.Stage].Run(item, step.Index);
            }
        }
        catch (Exception e)
        {
            lock (_gate)
            {
                if (_failure is null || step.Index < _failedIndex)
                {
                    _failure = e;
                    _failedIndex = step.Index;
                }

                Monitor.PulseAll(_gate);
            }

            return;
        }

        lock (_gate)
        {
            _running[step.Token] = false;
            if (step.Stage == Free)
            {
                _filling = false;
                if (more)
                {
                    _stageOf[step.Token] = 0;
                    _nextIndex++;
                    _inFlight++;
                    _peakInFlight = Math.Max(_peakInFlight, _inFlight);
                }
                else
                {
                    _filled = true;
                }
            }
            else
            {
                if (_stages[step.Stage].Mode == PipelineStageMode.InOrder)
                {
                    _stageBusy[step.Stage] = false;
                    _nextInOrder[step.Stage]++;
                }

                _stageOf[step.Token] = step.Stage + 1 < _stages.Count ? step.Stage + 1 : Free;
                if (_stageOf[step.Token] == Free)
                {
                    _inFlight--;
                }
            }

            Monitor.PulseAll(_gate);
        }
    }

    private void Exit(long allocated)
    {
        lock (_gate)
        {
            _allocated += allocated;
            if (--_threads > 0)
            {
                return;
            }
        }

        // The last thread out: nothing runs on a token any more.
        if (_failure is not null)
        {
            _done.SetException(_failure);
        }
        else if (_cancelled)
        {
            _done.SetCanceled();
        }
        else
        {
            _done.SetResult(new PipelineResult(_nextIndex, _peakInFlight, _allocated));
        }
    }

    /// <summary>A step taken by a thread: fill (<see cref="Free"/>) or run a stage on a token.</summary>
    private readonly record struct Step(int Token, int Stage, long Index);
}
