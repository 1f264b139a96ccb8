using Dapper;
using Keelson.Server.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Keelson.Server.Updates;

/// <summary>
/// Deletes instances not seen for the retention period, with their history, once an hour: in transactions of
/// <see cref="ServerOptions.PruneBatchSize"/> machines with <see cref="ServerOptions.PrunePause"/> between them, so
/// that pruning a large part of a big fleet never holds the writer for long and checks keep answering.
/// </summary>
public sealed partial class InstancePruner(
    Database database, InstanceTouches touches, MachineStateCache machines, ServerOptions options, TimeProvider time, ILogger<InstancePruner> logger)
    : BackgroundService
{
    /// <summary>Prunes every machine last seen before the retention period; returns how many.</summary>
    public async Task<int> PruneAsync(CancellationToken cancellationToken)
    {
        if (options.PruneBatchSize < 1)
        {
            throw new InvalidOperationException($"the prune batch size must be at least 1, not {options.PruneBatchSize}");
        }

        var before = (time.GetUtcNow() - options.InstanceRetention).ToUnixTimeMilliseconds();
        // A machine whose check is still queued has been seen: its last-seen time is written first.
        await touches.FlushAsync(cancellationToken);
        var apps = await database.ReadAsync(connection => connection.QueryAsync<string>("SELECT id FROM applications"), cancellationToken);
        var pruned = 0;
        foreach (var appId in apps)
        {
            while (true)
            {
                var deleted = await PruneBatchAsync(appId, before, cancellationToken);
                pruned += deleted.Length;
                machines.Remove(appId, deleted);
                if (deleted.Length < options.PruneBatchSize)
                {
                    break;
                }

                if (options.PrunePause > TimeSpan.Zero)
                {
                    await Task.Delay(options.PrunePause, time, cancellationToken);
                }
            }
        }

        return pruned;
    }

    /// <summary>Deletes the oldest machines of one batch with their history; returns their ids.</summary>
    private Task<string[]> PruneBatchAsync(string appId, long before, CancellationToken cancellationToken) =>
        database.WriteAsync(
            async (connection, transaction) =>
            {
                // The oldest first, from the (app_id, last_check_at, machine_id) index; the condition is checked again
                // on each row, so a machine that checked meanwhile (another replica) stays.
                var machineIds = (await connection.QueryAsync<string>(
                    """
                    DELETE FROM instances WHERE app_id = @appId AND last_check_at < @before AND machine_id IN (
                        SELECT machine_id FROM instances WHERE app_id = @appId AND last_check_at < @before
                        ORDER BY last_check_at LIMIT @limit)
                    RETURNING machine_id
                    """,
                    new { appId, before, limit = options.PruneBatchSize },
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
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), time);
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
