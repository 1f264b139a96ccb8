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
public sealed partial class InstanceTouches(Database database, ILogger<InstanceTouches> logger) : BackgroundService
{
    private const int MaxBatch = 2000;

    private readonly Channel<InstanceRow> _queue = Channel.CreateBounded<InstanceRow>(
        new BoundedChannelOptions(100_000) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly Lock _progressLock = new();
    private long _enqueued;
    private long _written;
    private TaskCompletionSource _batchWritten = new(TaskCreationOptions.RunContinuationsAsynchronously);

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
                await WriteBatchAsync(batch, CancellationToken.None);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: write what is queued.
            while (_queue.Reader.Count > 0)
            {
                await WriteBatchAsync(batch, CancellationToken.None);
            }
        }
    }

    private async Task WriteBatchAsync(Dictionary<(string, string), InstanceRow> batch, CancellationToken cancellationToken)
    {
        batch.Clear();
        var count = 0;
        while (count < MaxBatch && _queue.Reader.TryRead(out var row))
        {
            // A machine that checked twice in one batch: the later check wins.
            batch[(row.AppId, row.MachineId)] = row;
            count++;
        }

        try
        {
            await database.WriteAsync(
                (connection, transaction) => InstanceTable.TouchAsync(connection, transaction, batch.Values),
                cancellationToken);
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
    }

    [LoggerMessage(EventId = ServerEventIds.LastChecksNotRecorded, Level = LogLevel.Error, Message = "Could not record the last check of {Count} machines")]
    private partial void LogBatchFailed(Exception exception, int count);
}
