using Dapper;
using Keelson.Server.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Keelson.Server.Updates;

/// <summary>
/// Samples how many machines of each group run each version and are in each status, so the dashboard can chart a
/// rollout over time: one sample per minute kept for <see cref="MinuteRetention"/>, and the last sample of each hour
/// kept as long as instances are. Several replicas write the same counts, so a sample is an idempotent replace.
/// </summary>
public sealed partial class FleetSampler(Database database, InstanceTouches touches, ServerOptions options, TimeProvider time, ILogger<FleetSampler> logger)
    : BackgroundService
{
    public const int MinuteBucket = 60;
    public const int HourBucket = 3600;
    public const string VersionDimension = "version";
    public const string StatusDimension = "status";

    public static readonly TimeSpan MinuteRetention = TimeSpan.FromHours(3);

    private volatile FleetSample? _latest;

    /// <summary>The last sample taken by this server (read by the metrics at scrape time); null before the first.</summary>
    public FleetSample? Latest => _latest;

    /// <summary>Takes one sample now into the current minute and hour buckets; returns the rows written.</summary>
    public async Task<int> SampleAsync(CancellationToken cancellationToken)
    {
        // Machines seen for the first time are written in batches; a sample counts them once written.
        await touches.FlushAsync(cancellationToken);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        // Read from the maintained counts before taking the writer, so that a sample of a million machines holds it
        // for a few inserts only.
        var counts = await database.ReadAsync(
            async connection =>
            {
                var all = new List<(string GroupId, string Status, string Version, long Machines)>();
                foreach (var appId in await connection.QueryAsync<string>("SELECT id FROM applications"))
                {
                    all.AddRange((await FleetCounts.ReadAsync(connection, appId))
                        .Where(c => c.GroupId.Length > 0)
                        .Select(c => (c.GroupId, c.Status, c.Version, c.Machines)));
                }

                return all;
            },
            cancellationToken);
        return await database.WriteAsync(
            async (connection, transaction) =>
            {
                var sample = await FleetSample.NameAsync(connection, transaction, counts, now);
                var rows = new List<object>();
                foreach (var bucket in (int[])[MinuteBucket, HourBucket])
                {
                    var start = now - (now % (bucket * 1000L));
                    await connection.ExecuteAsync(
                        "DELETE FROM fleet_samples WHERE bucket_seconds = @bucket AND bucket_start = @start", new { bucket, start }, transaction);
                    rows.AddRange(Tally(counts, c => c.Version).Select(t => Row(t.Group, bucket, start, VersionDimension, t.Value, t.Machines)));
                    rows.AddRange(Tally(counts, c => c.Status).Select(t => Row(t.Group, bucket, start, StatusDimension, t.Value, t.Machines)));
                }

                await connection.ExecuteAsync(
                    """
                    INSERT INTO fleet_samples (group_id, bucket_seconds, bucket_start, dimension, value, machines)
                    VALUES (@GroupId, @BucketSeconds, @BucketStart, @Dimension, @Value, @Machines)
                    """,
                    rows,
                    transaction);
                await connection.ExecuteAsync(
                    """
                    DELETE FROM fleet_samples WHERE (bucket_seconds = @minute AND bucket_start < @minutesBefore)
                        OR (bucket_seconds = @hour AND bucket_start < @hoursBefore)
                    """,
                    new
                    {
                        minute = MinuteBucket,
                        minutesBefore = now - (long)MinuteRetention.TotalMilliseconds,
                        hour = HourBucket,
                        hoursBefore = now - (long)options.InstanceRetention.TotalMilliseconds,
                    },
                    transaction);
                _latest = sample;
                return rows.Count;
            },
            cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.SampleInterval, time);
        do
        {
            try
            {
                await SampleAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A failed sample leaves a gap in the charts; the next tick tries again.
                LogSampleFailed(e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private static IEnumerable<(string Group, string Value, long Machines)> Tally(
        IEnumerable<(string GroupId, string Status, string Version, long Machines)> counts, Func<(string GroupId, string Status, string Version, long Machines), string> key) =>
        counts.GroupBy(c => (c.GroupId, Key: key(c))).Select(g => (g.Key.GroupId, g.Key.Key, g.Sum(c => c.Machines)));

    private static object Row(string groupId, int bucket, long start, string dimension, string value, long machines) =>
        new { GroupId = groupId, BucketSeconds = bucket, BucketStart = start, Dimension = dimension, Value = value, Machines = machines };

    [LoggerMessage(EventId = ServerEventIds.FleetSampleFailed, Level = LogLevel.Warning, Message = "The fleet sample for the dashboard's charts failed")]
    private partial void LogSampleFailed(Exception exception);
}
