using System.Data.Common;
using Dapper;
using Keelson.Omaha;
using Keelson.Server.Api.Contracts;
using Keelson.Server.Rollout;
using Keelson.Server.Storage;
using Keelson.Server.Updates;

namespace Keelson.Server.Catalog;

/// <summary>Where rollouts stand: per group, the rollout bar and its breakdowns, and machines per version and status over time.</summary>
public sealed class RolloutQueries(Database database, InstanceTouches touches, GroupService groups, CatalogService catalog, TimeProvider time)
{
    /// <summary>How many package changes of each channel the overview shows.</summary>
    public const int ChannelHistoryLength = 5;

    /// <summary>Every group of the application with its policy in words and its rollout progress.</summary>
    public async Task<Outcome<IReadOnlyList<GroupRollout>>> ListAsync(string appId, CancellationToken cancellationToken)
    {
        var list = await groups.ListAsync(appId, cancellationToken);
        if (!list.IsOk)
        {
            return list.Error!;
        }

        // Machines seen for the first time are written in batches; they count once written.
        await touches.FlushAsync(cancellationToken);
        var progress = await database.ReadAsync(connection => CountAsync(connection, appId, null), cancellationToken);
        return list.Value!.Select(g => new GroupRollout(g, PolicyWords.Describe(g), Progress(g, progress.GetValueOrDefault(g.Name)))).ToList();
    }

    /// <summary>One group with its policy in words and its rollout progress.</summary>
    public async Task<Outcome<GroupRollout>> GetAsync(string appId, string group, CancellationToken cancellationToken)
    {
        var info = await groups.GetAsync(appId, group, cancellationToken);
        if (!info.IsOk)
        {
            return info.Error!;
        }

        await touches.FlushAsync(cancellationToken);
        var progress = await database.ReadAsync(connection => CountAsync(connection, appId, group), cancellationToken);
        return new GroupRollout(info.Value!, PolicyWords.Describe(info.Value!), Progress(info.Value!, progress.GetValueOrDefault(group)));
    }

    /// <summary>The channels with their latest package changes, newest first.</summary>
    public async Task<Outcome<IReadOnlyList<ChannelOverview>>> ChannelsAsync(string appId, CancellationToken cancellationToken)
    {
        var channels = await catalog.ListChannelsAsync(appId, cancellationToken);
        if (!channels.IsOk)
        {
            return channels.Error!;
        }

        var changes = await database.ReadAsync(
            connection => connection.QueryAsync<ActivityRow>(
                "SELECT * FROM activity WHERE app_id = @appId AND kind = @kind ORDER BY id DESC LIMIT 500",
                new { appId, kind = ActivityKind.ChannelPackageUpdated }),
            cancellationToken);
        var byChannel = changes.Where(a => a.ChannelName is not null).ToLookup(a => a.ChannelName!);
        return channels.Value!
            .Select(c => new ChannelOverview(c, byChannel[c.Name].Take(ChannelHistoryLength).Select(FleetQueries.ToEntry).ToList()))
            .ToList();
    }

    /// <summary>
    /// Machines of <paramref name="group"/> per version and status over the last <paramref name="span"/>: hourly
    /// buckets, or minute buckets for a span of up to <see cref="FleetSampler.MinuteRetention"/>; the current bucket
    /// counts the machines now.
    /// </summary>
    public async Task<Outcome<FleetTimeline>> TimelineAsync(string appId, string group, TimeSpan span, CancellationToken cancellationToken)
    {
        if (span <= TimeSpan.Zero || span > TimeSpan.FromDays(31))
        {
            return CatalogError.Invalid("span", "the span must be from 1m to 744h (31 days)");
        }

        var bucket = span <= FleetSampler.MinuteRetention ? FleetSampler.MinuteBucket : FleetSampler.HourBucket;
        var to = time.GetUtcNow();
        var from = to - span;
        await touches.FlushAsync(cancellationToken);
        return await database.ReadAsync<Outcome<FleetTimeline>>(
            async connection =>
            {
                var groupId = await connection.ExecuteScalarAsync<string?>(
                    "SELECT id FROM update_groups WHERE app_id = @appId AND name = @group", new { appId, group });
                if (groupId is null)
                {
                    return await ApplicationTable.ExistsAsync(connection, null, appId)
                        ? CatalogError.NotFound($"no group named {group}")
                        : CatalogService.UnknownApplication(appId);
                }

                var rows = await connection.QueryAsync<(long Start, string Dimension, string Value, long Machines)>(
                    """
                    SELECT bucket_start, dimension, value, machines FROM fleet_samples
                    WHERE group_id = @groupId AND bucket_seconds = @bucket AND bucket_start >= @from
                    ORDER BY bucket_start
                    """,
                    new { groupId, bucket, from = from.ToUnixTimeMilliseconds() - (bucket * 1000L) });
                var buckets = rows.GroupBy(r => r.Start).Select(b => new TimelineBucket(
                        CatalogService.FromMs(b.Key),
                        [.. b.Where(r => r.Dimension == FleetSampler.VersionDimension).Select(r => new Tally(r.Value, r.Machines)).OrderBy(t => t.Name, VersionOrder.Instance)],
                        [.. b.Where(r => r.Dimension == FleetSampler.StatusDimension).Select(r => new Tally(r.Value, r.Machines)).OrderBy(t => StatusOrder(t.Name))]))
                    .ToList();

                // The current bucket is the fleet as it is now, not as it was at the last sample.
                var counts = (await CountAsync(connection, appId, group)).GetValueOrDefault(group) ?? [];
                var nowMs = to.ToUnixTimeMilliseconds();
                var current = CatalogService.FromMs(nowMs - (nowMs % (bucket * 1000L)));
                buckets.RemoveAll(b => b.Start == current);
                if (counts.Count > 0)
                {
                    buckets.Add(new TimelineBucket(
                        current,
                        [.. counts.GroupBy(c => c.Version).Select(v => new Tally(v.Key, v.Sum(c => c.Machines))).OrderBy(t => t.Name, VersionOrder.Instance)],
                        [.. counts.GroupBy(c => c.Status).Select(s => new Tally(s.Key, s.Sum(c => c.Machines))).OrderBy(t => StatusOrder(t.Name))]));
                }

                return new FleetTimeline(group, bucket, from, to, buckets);
            },
            cancellationToken);
    }

    /// <summary>Statuses in the order an update moves through them.</summary>
    public static int StatusOrder(string status)
    {
        for (var i = 0; i < InstanceStatus.All.Count; i++)
        {
            if (InstanceStatus.All[i] == status)
            {
                return i;
            }
        }

        return int.MaxValue;
    }

    private static async Task<Dictionary<string, List<Count>>> CountAsync(DbConnection connection, string appId, string? group)
    {
        // Read from the maintained counts (exact: they equal counting the instances rows), not by counting a million rows.
        var names = (await connection.QueryAsync<(string Id, string Name)>(
            "SELECT id, name FROM update_groups WHERE app_id = @appId", new { appId })).ToDictionary(g => g.Id, g => g.Name);
        string? groupId = null;
        if (group is not null && (groupId = names.FirstOrDefault(n => n.Value == group).Key) is null)
        {
            return [];
        }

        var counts = await FleetCounts.ReadAsync(connection, appId, groupId);
        return counts
            .Where(c => names.ContainsKey(c.GroupId))
            .Select(c => new Count
            {
                Group = names[c.GroupId],
                Status = c.Status,
                Version = c.Version,
                Reason = c.Reason.Length == 0 ? null : c.Reason,
                ErrorCode = c.ErrorCode < 0 ? null : c.ErrorCode,
                Machines = c.Machines,
            })
            .GroupBy(c => c.Group)
            .ToDictionary(g => g.Key, g => g.ToList());
    }

    private static RolloutProgress Progress(GroupInfo group, List<Count>? counts)
    {
        counts ??= [];
        var target = group.Version;
        var staged = counts.Select(c => (Count: c, Stage: RolloutStages.Classify(c.Status, c.Version, c.ErrorCode, target))).ToList();
        long Sum(RolloutStage stage) => staged.Where(s => s.Stage == stage).Sum(s => s.Count.Machines);
        static List<Tally> By(IEnumerable<(string Name, long Machines)> items, IComparer<string>? order = null) =>
            [.. items.GroupBy(i => i.Name).Select(g => new Tally(g.Key, g.Sum(i => i.Machines))).OrderBy(t => t.Name, order ?? StringComparer.Ordinal)];

        return new RolloutProgress(
            target,
            counts.Sum(c => c.Machines),
            Sum(RolloutStage.OnTarget),
            Sum(RolloutStage.Updating),
            Sum(RolloutStage.OnHold),
            Sum(RolloutStage.Failed),
            Sum(RolloutStage.NotYetOffered),
            [.. By(staged.Where(s => s.Stage == RolloutStage.Updating).Select(s => (s.Count.Status, s.Count.Machines))).OrderBy(t => StatusOrder(t.Name))],
            [.. By(staged.Where(s => s.Stage == RolloutStage.OnHold).Select(s => (RolloutStages.ReasonHeadline(s.Count.Reason), s.Count.Machines))).OrderByDescending(t => t.Machines)],
            [.. By(staged.Where(s => s.Stage == RolloutStage.Failed).Select(s => (DescribeError(s.Count.ErrorCode), s.Count.Machines))).OrderByDescending(t => t.Machines)],
            By(counts.Select(c => (c.Version, c.Machines)), VersionOrder.Instance),
            [.. By(counts.Select(c => (c.Status, c.Machines))).OrderBy(t => StatusOrder(t.Name))]);
    }

    private static string DescribeError(long? code) =>
        code is { } value ? OmahaErrorCodes.Describe(value) : "failed";

    /// <summary>One row of the rollout counts.</summary>
    private sealed class Count
    {
        public string Group { get; set; } = "";
        public string Status { get; set; } = "";
        public string Version { get; set; } = "";
        public string? Reason { get; set; }
        public long? ErrorCode { get; set; }
        public long Machines { get; set; }
    }
}
