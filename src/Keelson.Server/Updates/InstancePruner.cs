using Dapper;
using Keelson.Server.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Keelson.Server.Updates;

/// <summary>Deletes instances not seen for the retention period, with their history, once an hour.</summary>
public sealed partial class InstancePruner(
    Database database, MachineStateCache machines, ServerOptions options, TimeProvider time, ILogger<InstancePruner> logger)
    : BackgroundService
{
    public async Task<int> PruneAsync(CancellationToken cancellationToken)
    {
        var before = (time.GetUtcNow() - options.InstanceRetention).ToUnixTimeMilliseconds();
        var pruned = await database.WriteAsync(
            async (connection, transaction) =>
            {
                await connection.ExecuteAsync(
                    """
                    DELETE FROM instance_history WHERE EXISTS (SELECT 1 FROM instances i
                        WHERE i.app_id = instance_history.app_id AND i.machine_id = instance_history.machine_id AND i.last_check_at < @before)
                    """,
                    new { before },
                    transaction);
                // By application, so that the (app_id, last_check_at) index finds them.
                return await connection.ExecuteAsync(
                    "DELETE FROM instances WHERE app_id IN (SELECT id FROM applications) AND last_check_at < @before", new { before }, transaction);
            },
            cancellationToken);
        if (pruned > 0)
        {
            machines.Clear();
        }

        return pruned;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), time);
        do
        {
            var pruned = await PruneAsync(stoppingToken);
            if (pruned > 0)
            {
                LogPruned(pruned, options.InstanceRetention);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(EventId = ServerEventIds.InstancesPruned, Level = LogLevel.Information, Message = "Pruned {Count} instances not seen for {Retention}")]
    private partial void LogPruned(int count, TimeSpan retention);
}
