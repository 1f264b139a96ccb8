using System.Data.Common;
using Dapper;
using Keelson.Server.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Keelson.Server.Updates;

/// <summary>
/// Machines per application, group, status and version (held or failed ones also per reason and error), exact and
/// cheap at a million machines: the database's triggers append a +1/-1 change for every machine whose key changes
/// (migration 5), and this service folds the changes into <c>instance_counts</c> every <see cref="FoldInterval"/>.
/// A read adds the changes not yet folded, so it always equals counting the instances rows.
/// </summary>
public sealed partial class FleetCounts(Database database, ILogger<FleetCounts> logger) : BackgroundService
{
    public static readonly TimeSpan FoldInterval = TimeSpan.FromSeconds(2);

    /// <summary>How many changes one fold moves in one transaction.</summary>
    public const int FoldBatch = 20_000;

    /// <summary>
    /// The counts of <paramref name="appId"/>'s machines, of one group when <paramref name="groupId"/> is set, in one
    /// statement (one snapshot), without the keys that count no machine.
    /// </summary>
    public static async Task<IReadOnlyList<Count>> ReadAsync(DbConnection connection, string appId, string? groupId = null)
    {
        var group = groupId is null ? "" : " AND group_id = @groupId";
        return [.. await connection.QueryAsync<Count>(
            $"""
            SELECT group_id AS GroupId, status AS Status, version AS Version, status_reason AS Reason, last_error_code AS ErrorCode,
                SUM(machines) AS Machines
            FROM (SELECT group_id, status, version, status_reason, last_error_code, machines FROM instance_counts WHERE app_id = @appId{group}
                  UNION ALL
                  SELECT group_id, status, version, status_reason, last_error_code, machines FROM instance_count_changes WHERE app_id = @appId{group}) c
            GROUP BY group_id, status, version, status_reason, last_error_code
            HAVING SUM(machines) <> 0
            """,
            new { appId, groupId })];
    }

    /// <summary>
    /// Moves the pending changes into the counts; returns how many it moved. Each change is deleted by exactly one
    /// fold (DELETE ... RETURNING), so replicas folding at once never count one twice.
    /// </summary>
    public async Task<int> FoldAsync(CancellationToken cancellationToken)
    {
        var moved = 0;
        while (true)
        {
            var batch = await database.WriteAsync(
                async (connection, transaction) =>
                {
                    // The oldest changes up to the FoldBatch-th, as a range of ids: each bound is found once. With
                    // `id IN (SELECT ... LIMIT)`, PostgreSQL, whose statistics see this table empty between folds, ran the
                    // subquery again for every row (a nested loop): 50,000 changes took longer than the 30 s timeout.
                    var changes = (await connection.QueryAsync<Change>(
                        """
                        DELETE FROM instance_count_changes
                        WHERE id <= COALESCE(
                            (SELECT id FROM instance_count_changes ORDER BY id LIMIT 1 OFFSET @skip),
                            (SELECT MAX(id) FROM instance_count_changes))
                        RETURNING app_id AS AppId, group_id AS GroupId, status AS Status, version AS Version,
                            status_reason AS Reason, last_error_code AS ErrorCode, machines AS Machines
                        """,
                        new { skip = FoldBatch - 1 },
                        transaction)).ToList();
                    var sums = changes
                        .GroupBy(c => (c.AppId, c.GroupId, c.Status, c.Version, c.Reason, c.ErrorCode))
                        .Select(g => new Change { AppId = g.Key.AppId, GroupId = g.Key.GroupId, Status = g.Key.Status, Version = g.Key.Version, Reason = g.Key.Reason, ErrorCode = g.Key.ErrorCode, Machines = g.Sum(c => c.Machines) })
                        .Where(c => c.Machines != 0)
                        .ToList();
                    await connection.ExecuteAsync(
                        """
                        INSERT INTO instance_counts (app_id, group_id, status, version, status_reason, last_error_code, machines)
                        VALUES (@AppId, @GroupId, @Status, @Version, @Reason, @ErrorCode, @Machines)
                        ON CONFLICT (app_id, group_id, status, version, status_reason, last_error_code)
                        DO UPDATE SET machines = instance_counts.machines + excluded.machines
                        """,
                        sums,
                        transaction);
                    await connection.ExecuteAsync("DELETE FROM instance_counts WHERE machines = 0", transaction: transaction);
                    return changes.Count;
                },
                cancellationToken);
            moved += batch;
            if (batch < FoldBatch)
            {
                return moved;
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Real time, not the injected clock: the fold's cadence is storage housekeeping that no rule depends on (reads
        // are exact either way), and a test that advances a fake clock by days must not fold 400,000 times.
        using var timer = new PeriodicTimer(FoldInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await FoldAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Unfolded changes still count in every read; the next tick folds them.
                LogFoldFailed(e);
            }
        }
    }

    [LoggerMessage(EventId = ServerEventIds.InstanceCountFoldFailed, Level = LogLevel.Warning, Message = "Folding the machine count changes failed")]
    private partial void LogFoldFailed(Exception exception);

    /// <summary>One key's machines; Dapper fills it by column name. GroupId and Reason are "" and ErrorCode -1 for none.</summary>
    public sealed class Count
    {
        public string GroupId { get; set; } = "";
        public string Status { get; set; } = "";
        public string Version { get; set; } = "";
        public string Reason { get; set; } = "";
        public long ErrorCode { get; set; }
        public long Machines { get; set; }
    }

    private sealed class Change
    {
        public string AppId { get; set; } = "";
        public string GroupId { get; set; } = "";
        public string Status { get; set; } = "";
        public string Version { get; set; } = "";
        public string Reason { get; set; } = "";
        public long ErrorCode { get; set; }
        public long Machines { get; set; }
    }
}
