using System.Diagnostics;
using Dapper;
using Keelson.Server.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Keelson.Server.Updates;

/// <summary>
/// Deletes instances not seen for the retention period, with their history, every <see cref="ServerOptions.PruneEvery"/>,
/// in transactions sized to hold the writer about <see cref="ServerOptions.PruneBatchTime"/> (at most
/// <see cref="ServerOptions.PruneBatchSize"/> machines) and a pause after each at least as long as it took, so that
/// pruning a large part of a big fleet leaves the writer to the checks' batches at least half of the time.
/// </summary>
/// <remarks>
/// Sized by time, not by a number of machines: with a million machines in SQLite, 500 machines and their history took
/// 0.3-0.5 s to delete, and the last-seen batches waiting behind them backed up until checks waited too (p99 0.5-0.8 s).
/// The pauses are real time, like the transactions they make room after, whatever clock the schedule runs on.
/// </remarks>
public sealed partial class InstancePruner(
    Database database, InstanceTouches touches, MachineStateCache machines, ServerOptions options, TimeProvider time, ILogger<InstancePruner> logger)
    : BackgroundService
{
    private const int FirstBatchSize = 50;
    private const int MinBatchSize = 10;

    /// <summary>Prunes every machine last seen before the retention period; returns how many.</summary>
    public async Task<int> PruneAsync(CancellationToken cancellationToken)
    {
        if (options.PruneBatchSize < 1 || options.PruneBatchTime <= TimeSpan.Zero)
        {
            throw new InvalidOperationException(
                $"the prune batch size must be at least 1 and its time more than 0, not {options.PruneBatchSize} and {options.PruneBatchTime}");
        }

        var before = (time.GetUtcNow() - options.InstanceRetention).ToUnixTimeMilliseconds();
        // A machine whose check is still queued has been seen: its last-seen time is written first.
        await touches.FlushAsync(cancellationToken);
        var apps = await database.ReadAsync(connection => connection.QueryAsync<string>("SELECT id FROM applications"), cancellationToken);
        var pruned = 0;
        // Small at first, then sized by the pace of the transactions before.
        var size = Math.Min(FirstBatchSize, options.PruneBatchSize);
        foreach (var appId in apps)
        {
            while (true)
            {
                var started = Stopwatch.GetTimestamp();
                var deleted = await PruneBatchAsync(appId, before, size, cancellationToken);
                var took = Stopwatch.GetElapsedTime(started);
                pruned += deleted.Length;
                machines.Remove(appId, deleted);
                if (deleted.Length < size)
                {
                    break;
                }

                size = NextBatchSize(size, took);
                var pause = took > options.PrunePause ? took : options.PrunePause;
                if (pause > TimeSpan.Zero)
                {
                    await Task.Delay(pause, cancellationToken);
                }
            }
        }

        return pruned;
    }

    /// <summary>The machines the next transaction deletes: as many as fit <see cref="ServerOptions.PruneBatchTime"/> at the last one's pace.</summary>
    private int NextBatchSize(int size, TimeSpan took)
    {
        // At most doubled at a time, so that one fast transaction (pages that happened to be cached) is not trusted too
        // far; a transaction the clock saw take no time makes the quotient infinite, and so doubles it too.
        var fits = size * (options.PruneBatchTime / took);
        // Never fewer than MinBatchSize: a transaction's fixed cost must not shrink the batches to nothing.
        return (int)Math.Clamp(Math.Min(fits, size * 2.0), Math.Min(MinBatchSize, options.PruneBatchSize), options.PruneBatchSize);
    }

    /// <summary>Deletes the oldest machines of one batch with their history; returns their ids.</summary>
    private Task<string[]> PruneBatchAsync(string appId, long before, int size, CancellationToken cancellationToken) =>
        database.WriteAsync(
            async (connection, transaction) =>
            {
                // The oldest first, from the (app_id, last_check_at, machine_id) index, then each deleted by its key: with
                // the condition outside the subquery as well, SQLite walked every old machine's index entry instead
                // (70 ms for one machine with 300,000 to prune). The condition is checked again on each row, so a
                // machine that checked meanwhile (another replica) stays.
                var machineIds = (await connection.QueryAsync<string>(
                    """
                    DELETE FROM instances WHERE (app_id, machine_id) IN (
                        SELECT app_id, machine_id FROM instances WHERE app_id = @appId AND last_check_at < @before
                        ORDER BY last_check_at LIMIT @limit)
                      AND last_check_at < @before
                    RETURNING machine_id
                    """,
                    new { appId, before, limit = size },
                    transaction)).ToArray();
                if (machineIds.Length > 0)
                {
                    await connection.ExecuteAsync(
                        $"DELETE FROM instance_history WHERE app_id = @appId AND {database.Dialect.In("machine_id", "@machineIds")}",
                        new { appId, machineIds },
                        transaction);
                }

                return machineIds;
            },
            cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.PruneEvery == Timeout.InfiniteTimeSpan)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.PruneEvery, time);
        do
        {
            try
            {
                var pruned = await PruneAsync(stoppingToken);
                if (pruned > 0)
                {
                    LogPruned(pruned, options.InstanceRetention);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // What is left is pruned at the next tick.
                LogPruneFailed(e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(EventId = ServerEventIds.InstancesPruned, Level = LogLevel.Information, Message = "Pruned {Count} instances not seen for {Retention}")]
    private partial void LogPruned(int count, TimeSpan retention);

    [LoggerMessage(EventId = ServerEventIds.InstancePruneFailed, Level = LogLevel.Warning, Message = "Pruning instances not seen for the retention period failed")]
    private partial void LogPruneFailed(Exception exception);
}
