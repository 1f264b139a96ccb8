using System.Globalization;
using Dapper;
using Keelson.Server.Storage;
using Keelson.Server.Updates;

namespace DashboardPages;

/// <summary>
/// A large fleet written straight into a fresh database, as a week of real traffic would have left it: machines in
/// the three groups on several versions and in every status, five history entries each, activity, and a week of
/// hourly (and three hours of minute) samples for the charts.
/// </summary>
internal static class FleetSeed
{
    private const string App = Migrations.CoreOsAppId;
    private static readonly string[] s_versions = ["3815.2.0", "3975.2.1", "4081.2.0", "4152.1.0"];
    private static readonly (string Group, double Share)[] s_groups = [("alpha", 0.1), ("beta", 0.3), ("stable", 0.6)];

    public static async Task SeedAsync(Database database, int machines, int seed, DateTimeOffset now)
    {
        var random = new Random(seed);
        var nowMs = now.ToUnixTimeMilliseconds();
        await database.WriteAsync(
            async (connection, transaction) =>
            {
                for (var i = 0; i < s_versions.Length; i++)
                {
                    await connection.ExecuteAsync(
                        "INSERT INTO packages (id, app_id, version, file_name, external_url, size, sha1, sha256, created_at) VALUES (@id, @App, @version, 'u.gz', 'https://example.invalid/u.gz', 1, 'x', 'y', @at)",
                        new { id = "p" + i, App, version = s_versions[i], at = nowMs - ((4 - i) * 86_400_000L) }, transaction);
                }

                await connection.ExecuteAsync("UPDATE channels SET package_id = 'p3' WHERE id = 'alpha'", transaction: transaction);
                await connection.ExecuteAsync("UPDATE channels SET package_id = 'p2' WHERE id = 'beta'", transaction: transaction);
                await connection.ExecuteAsync("UPDATE channels SET package_id = 'p2' WHERE id = 'stable'", transaction: transaction);
                await connection.ExecuteAsync("UPDATE update_groups SET safe_mode = 1, max_updates_per_period = 100, ramp_seconds = 86400 WHERE id = 'stable'", transaction: transaction);

                var rows = Enumerable.Range(0, machines).Select(i => Machine(random, i, machines, nowMs)).ToList();
                await connection.ExecuteAsync(
                    """
                    INSERT INTO instances (app_id, machine_id, alias, ip, oem, oem_version, board, aleph_version, version, track, group_id,
                        status, status_reason, update_version, update_granted_at, last_error_code, first_seen_at, last_check_at)
                    VALUES (@AppId, @MachineId, @Alias, @Ip, @Oem, @OemVersion, @Board, @AlephVersion, @Version, @Track, @GroupId,
                        @Status, @StatusReason, @UpdateVersion, @UpdateGrantedAt, @LastErrorCode, @FirstSeenAt, @LastCheckAt)
                    """,
                    rows, transaction);
                var statuses = new[] { InstanceStatus.UpdateGranted, InstanceStatus.Downloading, InstanceStatus.Downloaded, InstanceStatus.Installed, InstanceStatus.Complete };
                await connection.ExecuteAsync(
                    """
                    INSERT INTO instance_history (app_id, machine_id, group_id, status, version, update_version, error_code, message, created_at)
                    VALUES (@AppId, @MachineId, @GroupId, @Status, @Version, @UpdateVersion, NULL, NULL, @CreatedAt)
                    """,
                    rows.SelectMany(r => statuses.Select((s, k) => new
                    {
                        r.AppId,
                        r.MachineId,
                        r.GroupId,
                        Status = s,
                        Version = s_versions[1],
                        UpdateVersion = s_versions[2],
                        CreatedAt = r.FirstSeenAt + (k * 60_000L),
                    })),
                    transaction);
                await connection.ExecuteAsync(
                    "INSERT INTO activity (app_id, kind, severity, group_name, channel_name, version, machine_id, message, created_at) VALUES (@App, @kind, 'Info', @group, @group, @version, NULL, @message, @at)",
                    Enumerable.Range(0, 2000).Select(i => new
                    {
                        App,
                        kind = i % 10 == 0 ? ActivityKind.ChannelPackageUpdated : ActivityKind.GroupUpdated,
                        group = s_groups[i % 3].Group,
                        version = s_versions[i % 4],
                        message = $"change {i}",
                        at = nowMs - ((2000 - i) * 300_000L),
                    }),
                    transaction);
                await connection.ExecuteAsync(
                    "INSERT INTO fleet_samples (group_id, bucket_seconds, bucket_start, dimension, value, machines) VALUES (@group, @bucket, @start, @dimension, @value, @machines)",
                    Samples(random, machines, nowMs),
                    transaction);
                return 0;
            },
            CancellationToken.None);
    }

    private static InstanceRow Machine(Random random, int i, int machines, long nowMs)
    {
        var group = s_groups[i < machines * 0.1 ? 0 : i < machines * 0.4 ? 1 : 2].Group;
        var roll = random.NextDouble();
        var (status, reason, error) = roll switch
        {
            < 0.80 => (InstanceStatus.Complete, (string?)null, (long?)null),
            < 0.83 => (InstanceStatus.Downloading, null, null),
            < 0.85 => (InstanceStatus.Installed, null, null),
            < 0.92 => (InstanceStatus.OnHold, random.Next(3) switch
            {
                0 => "rate limit: 100 of 100 updates per 1h already granted",
                1 => $"rollout ramp at 40% of the group; this machine's place is {random.Next(40, 100)}.{random.Next(10)}%",
                _ => "safe mode: waiting for the first machine to complete 4081.2.0",
            }, null),
            < 0.93 => (InstanceStatus.Error, "update to 4081.2.0 failed: payload hash mismatch (10)", 10L),
            _ => (InstanceStatus.Undefined, null, null),
        };
        var version = status == InstanceStatus.Complete ? s_versions[2 + random.Next(2)] : s_versions[random.Next(3)];
        var firstSeen = nowMs - (long)(random.NextDouble() * 7 * 86_400_000);
        return new InstanceRow
        {
            AppId = App,
            MachineId = Convert.ToHexStringLower(BitConverter.GetBytes(random.NextInt64())) + i.ToString("x16", CultureInfo.InvariantCulture),
            Alias = i % 7 == 0 ? $"node-{i}" : "",
            Ip = $"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}",
            Oem = "ami",
            OemVersion = "0.1.1",
            Board = "amd64-usr",
            AlephVersion = s_versions[0],
            Version = version,
            Track = group,
            GroupId = group,
            Status = status,
            StatusReason = reason,
            UpdateVersion = status == InstanceStatus.Undefined ? null : s_versions[2],
            UpdateGrantedAt = status == InstanceStatus.Undefined ? null : firstSeen,
            LastErrorCode = error,
            FirstSeenAt = firstSeen,
            LastCheckAt = nowMs - random.Next(45 * 60_000),
        };
    }

    private static IEnumerable<object> Samples(Random random, int machines, long nowMs)
    {
        foreach (var (bucket, count) in new[] { (FleetSampler.HourBucket, 7 * 24), (FleetSampler.MinuteBucket, 180) })
        {
            var last = nowMs - (nowMs % (bucket * 1000L));
            for (var b = count - 1; b >= 0; b--)
            {
                var start = last - (b * bucket * 1000L);
                var progress = 1.0 - ((double)b / count);
                foreach (var (group, share) in s_groups)
                {
                    var total = (long)(machines * share);
                    var updated = (long)(total * progress * (0.9 + (random.NextDouble() * 0.1)));
                    yield return new { group, bucket, start, dimension = FleetSampler.VersionDimension, value = s_versions[1], machines = total - updated };
                    yield return new { group, bucket, start, dimension = FleetSampler.VersionDimension, value = s_versions[2], machines = updated };
                    yield return new { group, bucket, start, dimension = FleetSampler.StatusDimension, value = InstanceStatus.Complete, machines = updated };
                    yield return new { group, bucket, start, dimension = FleetSampler.StatusDimension, value = InstanceStatus.Undefined, machines = total - updated };
                }
            }
        }
    }
}
