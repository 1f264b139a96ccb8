using System.Threading.Channels;
using Keelson.Server.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Keelson.Server.Updates;

/// <summary>
/// Writes the last-seen fields of routine checks (a machine that is up to date and whose status does not
/// change), and the first sight of a machine, in batches: one transaction per batch instead of one per check.
/// Status changes never come through here; they commit with the request that causes them.
/// </summary>
/// <remarks>
/// A batch gathers for up to <see cref="GatherWindow"/> (or until it holds <see cref="MaxBatch"/> machines), so a
/// machine that checks several times in that window is written once. A process killed with SIGKILL loses what was
/// gathered and not yet committed: at most the last-seen fields and first sightings of that window plus the
/// time of one batch write. Readers that must see every check call <see cref="FlushAsync"/>, which writes at once.
/// </remarks>
public sealed partial class InstanceTouches(Database database, ILogger<InstanceTouches> logger) : BackgroundService
{
    public const int MaxBatch = 2000;

    public static readonly TimeSpan GatherWindow = TimeSpan.FromMilliseconds(500);

    private readonly Channel<InstanceRow> _queue = Channel.CreateBounded<InstanceRow>(
        new BoundedChannelOptions(100_000) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly Lock _progressLock = new();
    private long _enqueued;
    private long _written;
    private TaskCompletionSource _batchWritten = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _flushRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask EnqueueAsync(InstanceRow instance, CancellationToken cancellationToken)
    {
        await _queue.Writer.WriteAsync(instance, cancellationToken);
        Interlocked.Increment(ref _enqueued);
    }

    /// <summary>Waits until every touch enqueued before the call is written, so readers see their own checks.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var target = Volatile.Read(ref _enqueued);
        while (true)
        {
            Task next;
            lock (_progressLock)
            {
                if (_written >= target)
                {
                    return;
                }

                next = _batchWritten.Task;
                _flushRequested.TrySetResult();
            }

            await next.WaitAsync(cancellationToken);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new Dictionary<(string, string), InstanceRow>();
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                var count = await GatherAsync(batch, stoppingToken);
                await WriteBatchAsync(batch, count);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: write what is queued.
            do
            {
                await WriteBatchAsync(batch, Drain(batch, 0));
            }
            while (_queue.Reader.Count > 0);
        }
    }

    /// <summary>Takes checks into the batch until the window closes, the batch is full or a reader asks for a flush.</summary>
    private async Task<int> GatherAsync(Dictionary<(string, string), InstanceRow> batch, CancellationToken stoppingToken)
    {
        batch.Clear();
        var count = Drain(batch, 0);
        // The window is measured on the real clock: it bounds what a kill can lose, in real time.
        var closes = Task.Delay(GatherWindow, stoppingToken);
        Task flush;
        lock (_progressLock)
        {
            flush = _flushRequested.Task;
        }

        while (batch.Count < MaxBatch && !closes.IsCompleted && !flush.IsCompleted)
        {
            var more = _queue.Reader.WaitToReadAsync(stoppingToken).AsTask();
            await Task.WhenAny(more, closes, flush);
            if (more.IsCompletedSuccessfully && !more.Result)
            {
                break;
            }

            count = Drain(batch, count);
        }

        lock (_progressLock)
        {
            if (_flushRequested.Task.IsCompleted)
            {
                _flushRequested = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        return count;
    }

    private int Drain(Dictionary<(string, string), InstanceRow> batch, int count)
    {
        while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var row))
        {
            // A machine that checked twice in one batch: the later check wins.
            batch[(row.AppId, row.MachineId)] = row;
            count++;
        }

        return count;
    }

    private async Task WriteBatchAsync(Dictionary<(string, string), InstanceRow> batch, int count)
    {
        try
        {
            await database.WriteAsync(
                (connection, transaction) => InstanceTable.TouchAsync(connection, transaction, database.Dialect, batch.Values),
                CancellationToken.None);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogBatchFailed(e, batch.Count);
        }

        lock (_progressLock)
        {
            _written += count;
            _batchWritten.SetResult();
            _batchWritten = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        batch.Clear();
    }

    [LoggerMessage(EventId = ServerEventIds.LastChecksNotRecorded, Level = LogLevel.Error, Message = "Could not record the last check of {Count} machines")]
    private partial void LogBatchFailed(Exception exception, int count);
}
