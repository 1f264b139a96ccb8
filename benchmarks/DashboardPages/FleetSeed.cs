using System.Data.Common;
using System.Globalization;
using Dapper;
using Keelson.Omaha;
using Keelson.Server.Storage;
using Keelson.Server.Updates;
using Microsoft.Extensions.Logging.Abstractions;
using Stopwatch = System.Diagnostics.Stopwatch;

namespace DashboardPages;

/// <summary>
/// A large fleet written straight into a fresh database, as weeks of real traffic would have left it: five groups
/// on four channels, machines on several versions and in every status, each with the history its status implies
/// (grant, download, install, complete; errors with update_engine's codes; holds with their reason), activity,
/// and a week of hourly (and three hours of minute) samples for the charts. Written with multi-row inserts, a
/// transaction per <see cref="MachinesPerTransaction"/> machines, in plain SQL that SQLite and PostgreSQL both run.
/// </summary>
internal static class FleetSeed
{
    public const int MachinesPerTransaction = 50_000;
    private const string App = Migrations.CoreOsAppId;
    private const long Day = 86_400_000L;
    private static readonly string[] s_versions = ["3815.2.0", "3975.2.1", "4081.2.0", "4152.1.0"];

    // Group, channel, its package (index into s_versions), share of the fleet.
    private static readonly (string Group, string Channel, int Package, double Share)[] s_groups =
    [
        ("alpha", "alpha", 3, 0.05),
        ("beta", "beta", 2, 0.15),
        ("stable-canary", "stable", 2, 0.05),
        ("stable", "stable", 2, 0.55),
        ("lts", "lts", 1, 0.20),
    ];

    private static readonly long[] s_errorCodes =
    [
        OmahaErrorCodes.PayloadHashMismatch,
        OmahaErrorCodes.DownloadTransferError,
        OmahaErrorCodes.DownloadWriteError,
        OmahaErrorCodes.NewRootfsVerificationError,
        OmahaErrorCodes.PostinstallRunnerError,
        OmahaErrorCodes.UnhealthyBoot,
        OmahaErrorCodes.DownloadTransferError | OmahaErrorCodes.ResumedFlag,
    ];

    private static readonly BulkInsert s_instances = new(
        "instances", "app_id", "machine_id", "alias", "ip", "oem", "oem_version", "board", "aleph_version", "version", "track",
        "group_id", "status", "status_reason", "update_version", "update_granted_at", "last_error_code", "first_seen_at", "last_check_at");

    private static readonly BulkInsert s_history = new(
        "instance_history", "app_id", "machine_id", "group_id", "status", "version", "update_version", "error_code", "message", "created_at");

    private static readonly BulkInsert s_activity = new(
        "activity", "app_id", "kind", "severity", "group_name", "channel_name", "version", "machine_id", "message", "created_at");

    private static readonly BulkInsert s_samples = new(
        "fleet_samples", "group_id", "bucket_seconds", "bucket_start", "dimension", "value", "machines");

    /// <summary>The groups the seed puts machines in.</summary>
    public static IReadOnlyList<string> Groups => [.. s_groups.Select(g => g.Group)];

    /// <summary>
    /// Seeds <paramref name="machines"/> machines first seen over the <paramref name="days"/> before
    /// <paramref name="now"/>; a <paramref name="goneShare"/> of them stopped checking <paramref name="goneDays"/>
    /// to <paramref name="days"/> days ago (what pruning removes), the others checked in the last 45 minutes.
    /// </summary>
    public static async Task<SeedReport> SeedAsync(
        Database database, int machines, int seed, DateTimeOffset now, int days = 7, double goneShare = 0, int goneDays = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(machines);
        if (goneShare > 0 && goneDays >= days)
        {
            throw new ArgumentOutOfRangeException(nameof(goneDays), $"machines gone {goneDays} days must have been first seen earlier than {days} days ago");
        }

        var watch = Stopwatch.StartNew();
        var random = new Random(seed);
        var nowMs = now.ToUnixTimeMilliseconds();
        var report = new SeedReport(machines);
        var counts = new FleetCounts(database, NullLogger<FleetCounts>.Instance);
        await database.WriteAsync(
            async (connection, transaction) =>
            {
                for (var i = 0; i < s_versions.Length; i++)
                {
                    await connection.ExecuteAsync(
                        "INSERT INTO packages (id, app_id, version, file_name, external_url, size, sha1, sha256, created_at) VALUES (@id, @App, @version, 'u.gz', 'https://example.invalid/u.gz', 1, 'x', 'y', @at)",
                        new { id = "p" + i, App, version = s_versions[i], at = nowMs - ((4 - i) * Day) }, transaction);
                }

                foreach (var (group, channel, package, _) in s_groups)
                {
                    await connection.ExecuteAsync(
                        "INSERT INTO channels (id, app_id, name, package_id, updated_at) VALUES (@channel, @App, @channel, NULL, @nowMs) ON CONFLICT DO NOTHING",
                        new { channel, App, nowMs }, transaction);
                    await connection.ExecuteAsync("UPDATE channels SET package_id = @package WHERE id = @channel", new { package = "p" + package, channel }, transaction);
                    await connection.ExecuteAsync(
                        """
                        INSERT INTO update_groups (id, app_id, name, channel_id, updates_enabled, paused_reason, safe_mode,
                            max_updates_per_period, period_seconds, update_timeout_seconds, windows, time_zone, ramp_seconds,
                            rollout_package_id, rollout_started_at, created_at)
                        VALUES (@group, @App, @group, @channel, 1, NULL, 0, 0, 3600, 3600, '', 'UTC', 0, NULL, NULL, @nowMs)
                        ON CONFLICT DO NOTHING
                        """,
                        new { group, channel, App, nowMs }, transaction);
                }

                await connection.ExecuteAsync("UPDATE update_groups SET safe_mode = 1, max_updates_per_period = 100, ramp_seconds = 86400 WHERE id = 'stable'", transaction: transaction);
                report.Activity += await s_activity.RunAsync(connection, transaction, Enumerable.Range(0, 2000).Select(i => new object?[]
                {
                    App,
                    i % 10 == 0 ? ActivityKind.ChannelPackageUpdated : ActivityKind.GroupUpdated,
                    ActivitySeverity.Info,
                    s_groups[i % s_groups.Length].Group,
                    s_groups[i % s_groups.Length].Channel,
                    s_versions[i % s_versions.Length],
                    null,
                    $"change {i}",
                    nowMs - ((2000 - i) * 300_000L),
                }));
                report.Samples += await s_samples.RunAsync(connection, transaction, Samples(random, machines, nowMs));
                return 0;
            },
            CancellationToken.None);

        for (var first = 0; first < machines; first += MachinesPerTransaction)
        {
            var count = Math.Min(MachinesPerTransaction, machines - first);
            var rows = Enumerable.Range(first, count)
                .Select(i => Machine(random, i, machines, nowMs, days, goneShare, goneDays))
                .ToList();
            await database.WriteAsync(
                async (connection, transaction) =>
                {
                    await CacheAsync(database, connection, transaction);
                    await s_instances.RunAsync(connection, transaction, rows.Select(m => m.Instance));
                    report.History += await s_history.RunAsync(connection, transaction, rows.SelectMany(m => m.History));
                    report.Activity += await s_activity.RunAsync(connection, transaction, rows.SelectMany(m => m.Activity));
                    return 0;
                },
                CancellationToken.None);

            // The triggers noted each new machine; fold them into the counts as the server would.
            await counts.FoldAsync(CancellationToken.None);
        }

        report.Elapsed = watch.Elapsed;
        return report;
    }

    // SQLite's default page cache is 2 MB; the indexes of a million machines are updated much faster with more.
    private static Task CacheAsync(Database database, DbConnection connection, DbTransaction transaction) =>
        database.Dialect == SqlDialect.Sqlite ? connection.ExecuteAsync("PRAGMA cache_size = -262144", transaction: transaction) : Task.CompletedTask;

    private static (object?[] Instance, List<object?[]> History, List<object?[]> Activity) Machine(
        Random random, int i, int machines, long nowMs, int days, double goneShare, int goneDays)
    {
        var (group, _, package, _) = GroupOf(i, machines);
        var target = s_versions[package];
        var previous = s_versions[Math.Max(0, package - 1)];
        var roll = random.NextDouble();
        var failure = s_errorCodes[random.Next(s_errorCodes.Length)];
        var (status, reason, error) = roll switch
        {
            < 0.78 => (InstanceStatus.Complete, (string?)null, (long?)null),
            < 0.80 => (InstanceStatus.UpdateGranted, null, null),
            < 0.82 => (InstanceStatus.Downloading, null, null),
            < 0.83 => (InstanceStatus.Downloaded, null, null),
            < 0.85 => (InstanceStatus.Installed, null, null),
            < 0.91 => (InstanceStatus.OnHold, random.Next(3) switch
            {
                0 => "rate limit: 100 of 100 updates per 1h already granted",
                1 => $"rollout ramp at 40% of the group; this machine's place is {random.Next(40, 100)}.{random.Next(10)}%",
                _ => $"safe mode: waiting for the first machine to complete {target}",
            }, null),
            < 0.915 => (InstanceStatus.OnHold, $"update to {target} rolled back: the new version did not boot", (long?)OmahaErrorCodes.Rollback),
            < 0.93 => (InstanceStatus.Error, $"update to {target} failed: {OmahaErrorCodes.Describe(failure)}", failure),
            _ => (InstanceStatus.Undefined, null, null),
        };
        var version = status == InstanceStatus.Complete ? target : status == InstanceStatus.Undefined && random.Next(2) == 0 ? target : previous;
        var gone = random.NextDouble() < goneShare;
        var firstSeen = gone
            ? nowMs - (goneDays * Day) - (long)(random.NextDouble() * (days - goneDays) * Day)
            : nowMs - (long)(random.NextDouble() * days * Day);
        var lastCheck = gone
            ? firstSeen + (long)(random.NextDouble() * ((nowMs - (goneDays * Day)) - firstSeen))
            : Math.Max(firstSeen, nowMs - random.Next(45 * 60_000));
        // Ascending ids (the number first, random after) append to the primary key and the history's index instead
        // of splitting pages all over them: seeding is several times faster, and the ids still look like machine ids.
        var machineId = i.ToString("x8", CultureInfo.InvariantCulture) + Convert.ToHexStringLower(BitConverter.GetBytes(random.NextInt64())) + Convert.ToHexStringLower(BitConverter.GetBytes(random.Next()));
        var offered = status != InstanceStatus.Undefined;
        var granted = offered ? firstSeen + ((lastCheck - firstSeen) / 4) : (long?)null;

        var history = new List<object?[]>(5);
        var activity = new List<object?[]>(1);
        object?[] History(string s, long at, long? code = null, string? message = null) =>
            [App, machineId, group, s, s == InstanceStatus.Complete ? target : previous, target, code, message, at];
        if (status == InstanceStatus.OnHold && error is null)
        {
            history.Add(History(InstanceStatus.OnHold, lastCheck, message: reason));
        }
        else if (offered)
        {
            var steps = status switch
            {
                InstanceStatus.UpdateGranted => 1,
                InstanceStatus.Downloading => 2,
                InstanceStatus.Downloaded => 3,
                InstanceStatus.Installed => 4,
                InstanceStatus.Complete => 5,
                _ => 2 + random.Next(3),
            };
            var at = granted!.Value;
            for (var k = 0; k < steps; k++)
            {
                history.Add(History(InstanceStatus.InProgress.Concat([InstanceStatus.Complete]).ElementAt(k), at));
                at += 60_000 + random.Next(600_000);
            }

            if (error is { } code)
            {
                history.Add(History(status, at, code, reason));
                activity.Add([App, ActivityKind.InstanceUpdateFailed, ActivitySeverity.Warning, group, group, target, machineId, $"machine {machineId}: {reason}", at]);
            }
        }

        object?[] instance =
        [
            App, machineId, i % 7 == 0 ? $"node-{i}" : "", $"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}", "ami", "0.1.1", "amd64-usr",
            s_versions[0], version, group, group, status, reason, offered ? target : null, granted, error, firstSeen, lastCheck,
        ];
        return (instance, history, activity);
    }

    private static (string Group, string Channel, int Package, double Share) GroupOf(int i, int machines)
    {
        var place = (double)i / Math.Max(1, machines);
        foreach (var group in s_groups)
        {
            if (place < group.Share)
            {
                return group;
            }

            place -= group.Share;
        }

        return s_groups[^1];
    }

    private static IEnumerable<object?[]> Samples(Random random, int machines, long nowMs)
    {
        foreach (var (bucket, count) in new[] { (FleetSampler.HourBucket, 7 * 24), (FleetSampler.MinuteBucket, 180) })
        {
            var last = nowMs - (nowMs % (bucket * 1000L));
            for (var b = count - 1; b >= 0; b--)
            {
                var start = last - (b * bucket * 1000L);
                var progress = 1.0 - ((double)b / count);
                foreach (var (group, _, package, share) in s_groups)
                {
                    var total = (long)(machines * share);
                    var updated = (long)(total * progress * (0.9 + (random.NextDouble() * 0.1)));
                    yield return [group, bucket, start, FleetSampler.VersionDimension, s_versions[Math.Max(0, package - 1)], total - updated];
                    yield return [group, bucket, start, FleetSampler.VersionDimension, s_versions[package], updated];
                    yield return [group, bucket, start, FleetSampler.StatusDimension, InstanceStatus.Complete, updated];
                    yield return [group, bucket, start, FleetSampler.StatusDimension, InstanceStatus.Undefined, total - updated];
                }
            }
        }
    }
}
