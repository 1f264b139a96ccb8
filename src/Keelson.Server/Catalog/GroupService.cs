using System.Data.Common;
using Dapper;
using Keelson.Coordination;
using Keelson.Server.Api.Contracts;
using Keelson.Server.Rollout;
using Keelson.Server.Storage;
using Keelson.Server.Updates;
using Microsoft.Extensions.Logging;

namespace Keelson.Server.Catalog;

/// <summary>Groups and their rollout policies.</summary>
public sealed partial class GroupService(Database database, GroupCache cache, InstanceTouches touches, TimeProvider time, ILogger<GroupService> logger)
{
    private const string SelectGroups = """
        SELECT g.*, c.name AS channel_name, p.version AS channel_version
        FROM update_groups g JOIN channels c ON c.id = g.channel_id LEFT JOIN packages p ON p.id = c.package_id
        """;

    public Task<Outcome<IReadOnlyList<GroupInfo>>> ListAsync(string appId, CancellationToken cancellationToken) =>
        database.ReadAsync<Outcome<IReadOnlyList<GroupInfo>>>(
            async connection =>
            {
                if (!await ApplicationTable.ExistsAsync(connection, null, appId))
                {
                    return CatalogService.UnknownApplication(appId);
                }

                var rows = await QueryGroupsAsync(connection, null, " WHERE g.app_id = @appId ORDER BY g.name", new { appId });
                return rows.ToList();
            },
            cancellationToken);

    public Task<Outcome<GroupInfo>> GetAsync(string appId, string name, CancellationToken cancellationToken) =>
        database.ReadAsync(connection => FindAsync(connection, null, appId, name), cancellationToken);

    public async Task<Outcome<GroupInfo>> CreateAsync(string appId, GroupRequest request, CancellationToken cancellationToken)
    {
        if ((Names.CheckName("name", request.Name) ?? Names.CheckName("channel", request.Channel)) is { } invalid)
        {
            return invalid;
        }

        var now = time.GetUtcNow();
        var group = new GroupRow
        {
            Id = Guid.NewGuid().ToString(),
            AppId = appId,
            Name = request.Name!,
            UpdatesEnabled = true,
            PeriodSeconds = 3600,
            UpdateTimeoutSeconds = 3600,
            TimeZone = "UTC",
            RolloutStartedAt = now.ToUnixTimeMilliseconds(),
            CreatedAt = now.ToUnixTimeMilliseconds(),
        };
        if (Apply(group, request) is { } refused)
        {
            return refused;
        }

        return await database.WriteAsync<Outcome<GroupInfo>>(
            async (connection, transaction) =>
            {
                if (!await ApplicationTable.ExistsAsync(connection, transaction, appId))
                {
                    return CatalogService.UnknownApplication(appId);
                }

                var channel = await CatalogService.FindChannelAsync(connection, transaction, appId, request.Channel!);
                if (channel is null)
                {
                    return CatalogError.Invalid("channel", $"no channel named {request.Channel}");
                }

                if ((await FindAsync(connection, transaction, appId, group.Name)).IsOk)
                {
                    return CatalogError.Conflict($"group {group.Name} already exists", "name");
                }

                group.ChannelId = channel.Id;
                group.RolloutPackageId = channel.PackageId;
                await connection.ExecuteAsync(
                    """
                    INSERT INTO update_groups (id, app_id, name, channel_id, updates_enabled, paused_reason, safe_mode,
                        max_updates_per_period, period_seconds, update_timeout_seconds, windows, time_zone, ramp_seconds,
                        rollout_package_id, rollout_started_at, created_at)
                    VALUES (@Id, @AppId, @Name, @ChannelId, CAST(@UpdatesEnabled AS INTEGER), @PausedReason, CAST(@SafeMode AS INTEGER),
                        @MaxUpdatesPerPeriod, @PeriodSeconds, @UpdateTimeoutSeconds, @Windows, @TimeZone, @RampSeconds,
                        @RolloutPackageId, @RolloutStartedAt, @CreatedAt)
                    """,
                    group,
                    transaction);
                await cache.InvalidateAsync(connection, transaction);
                await CatalogService.LogAsync(connection, transaction, appId, ActivityKind.GroupCreated,
                    $"group {group.Name} created on channel {channel.Name}", now, group: group.Name, channel: channel.Name);
                return await FindAsync(connection, transaction, appId, group.Name);
            },
            cancellationToken);
    }

    /// <summary>Changes a group's channel or policy; fields absent from the request keep their value.</summary>
    public Task<Outcome<GroupInfo>> UpdateAsync(string appId, string name, GroupRequest request, CancellationToken cancellationToken) =>
        ChangeAsync(appId, name, ActivityKind.GroupUpdated, "updated", async (connection, transaction, group) =>
        {
            if (request.Name is not null && request.Name != group.Name)
            {
                return CatalogError.Invalid("name", "a group cannot be renamed");
            }

            if (Apply(group, request) is { } refused)
            {
                return refused;
            }

            if (request.Channel is not null)
            {
                var channel = await CatalogService.FindChannelAsync(connection, transaction, appId, request.Channel);
                if (channel is null)
                {
                    return CatalogError.Invalid("channel", $"no channel named {request.Channel}");
                }

                if (channel.Id != group.ChannelId)
                {
                    group.ChannelId = channel.Id;
                    group.RolloutPackageId = channel.PackageId;
                    group.RolloutStartedAt = time.GetUtcNow().ToUnixTimeMilliseconds();
                }
            }

            if (request.UpdatesEnabled == true)
            {
                group.PausedReason = null;
            }

            return null;
        }, cancellationToken);

    public async Task<Outcome<GroupInfo>> PauseAsync(string appId, string name, CancellationToken cancellationToken)
    {
        var outcome = await ChangeAsync(appId, name, ActivityKind.GroupPaused, "paused", (_, _, group) =>
        {
            group.UpdatesEnabled = false;
            group.PausedReason = "paused by an operator";
            return Task.FromResult<CatalogError?>(null);
        }, cancellationToken);
        if (outcome.IsOk)
        {
            LogPaused(name);
        }

        return outcome;
    }

    /// <summary>Resumes a paused group, or one that safe mode halted after a failure.</summary>
    public async Task<Outcome<GroupInfo>> ResumeAsync(string appId, string name, CancellationToken cancellationToken)
    {
        string? was = null;
        var outcome = await ChangeAsync(appId, name, ActivityKind.GroupResumed, "resumed", (_, _, group) =>
        {
            was = group.UpdatesEnabled ? "updates were enabled" : group.PausedReason ?? "paused";
            group.UpdatesEnabled = true;
            group.PausedReason = null;
            return Task.FromResult<CatalogError?>(null);
        }, cancellationToken);
        if (outcome.IsOk)
        {
            LogResumed(name, was!);
        }

        return outcome;
    }

    /// <summary>
    /// Deletes a group. One with machines in it is refused unless <paramref name="force"/>: its machines then
    /// belong to no group until their next check, which finds a group by their track again (a group or channel of
    /// that name) or holds them back, naming the track, until such a group exists.
    /// </summary>
    public async Task<Outcome<DeletedInfo>> DeleteAsync(string appId, string name, bool force, CancellationToken cancellationToken)
    {
        if (Names.CheckName("group", name) is { } invalid)
        {
            return invalid;
        }

        // The machines counted are those whose checks came before, including the routine checks still queued.
        await touches.FlushAsync(cancellationToken);
        var outcome = await database.WriteAsync<Outcome<DeletedInfo>>(
            async (connection, transaction) =>
            {
                var group = await connection.QuerySingleOrDefaultAsync<GroupRow>(
                    "SELECT * FROM update_groups WHERE app_id = @appId AND name = @name", new { appId, name }, transaction);
                if (group is null)
                {
                    return await ApplicationTable.ExistsAsync(connection, transaction, appId)
                        ? CatalogError.NotFound($"no group named {name}; 'keelson group list' shows them")
                        : CatalogService.UnknownApplication(appId);
                }

                var machines = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM instances WHERE group_id = @Id", group, transaction);
                if (machines > 0 && !force)
                {
                    return CatalogError.Conflict(
                        $"group {name} has {CatalogService.Plural(machines, "machine")}; move {(machines == 1 ? "it" : "them")} to another group "
                        + "(GROUP in their update.conf), or delete with --force: each is then held back at its next check until a group "
                        + $"or channel named {name} exists again");
                }

                await connection.ExecuteAsync("UPDATE instances SET group_id = NULL WHERE group_id = @Id", group, transaction);
                await connection.ExecuteAsync("DELETE FROM fleet_samples WHERE group_id = @Id", group, transaction);
                await connection.ExecuteAsync("DELETE FROM update_groups WHERE id = @Id", group, transaction);
                await cache.InvalidateAsync(connection, transaction);
                var message = machines == 0
                    ? $"group {name} deleted"
                    : $"group {name} deleted with {CatalogService.Plural(machines, "machine")}; each finds its group by its track "
                        + $"'{name}' at its next check, and is held back while no group or channel has that name";
                await CatalogService.LogAsync(connection, transaction, appId, ActivityKind.GroupDeleted, message, time.GetUtcNow(), group: name,
                    severity: machines == 0 ? ActivitySeverity.Info : ActivitySeverity.Warning);
                return new DeletedInfo("group", name, machines, message);
            },
            cancellationToken);
        if (outcome.IsOk)
        {
            LogDeleted(name, outcome.Value!.Message);
        }

        return outcome;
    }

    private Task<Outcome<GroupInfo>> ChangeAsync(
        string appId,
        string name,
        string activityKind,
        string verb,
        Func<DbConnection, DbTransaction, GroupRow, Task<CatalogError?>> change,
        CancellationToken cancellationToken) =>
        database.WriteAsync<Outcome<GroupInfo>>(
            async (connection, transaction) =>
            {
                var group = await connection.QuerySingleOrDefaultAsync<GroupRow>(
                    "SELECT * FROM update_groups WHERE app_id = @appId AND name = @name", new { appId, name }, transaction);
                if (group is null)
                {
                    return await ApplicationTable.ExistsAsync(connection, transaction, appId)
                        ? CatalogError.NotFound($"no group named {name}")
                        : CatalogService.UnknownApplication(appId);
                }

                if (await change(connection, transaction, group) is { } refused)
                {
                    return refused;
                }

                await connection.ExecuteAsync(
                    """
                    UPDATE update_groups SET channel_id = @ChannelId, updates_enabled = CAST(@UpdatesEnabled AS INTEGER), paused_reason = @PausedReason,
                        safe_mode = CAST(@SafeMode AS INTEGER), max_updates_per_period = @MaxUpdatesPerPeriod, period_seconds = @PeriodSeconds,
                        update_timeout_seconds = @UpdateTimeoutSeconds, windows = @Windows, time_zone = @TimeZone,
                        ramp_seconds = @RampSeconds, rollout_package_id = @RolloutPackageId, rollout_started_at = @RolloutStartedAt
                    WHERE id = @Id
                    """,
                    group,
                    transaction);
                await cache.InvalidateAsync(connection, transaction);
                await CatalogService.LogAsync(connection, transaction, appId, activityKind, $"group {group.Name} {verb}: {Describe(group)}",
                    time.GetUtcNow(), group: group.Name);
                return await FindAsync(connection, transaction, appId, name);
            },
            cancellationToken);

    /// <summary>The policy in one line, for the activity log.</summary>
    private static string Describe(GroupRow group)
    {
        var parts = new List<string>
        {
            group.UpdatesEnabled ? "updates enabled" : $"updates paused ({group.PausedReason})",
            group.SafeMode ? "safe mode on" : "safe mode off",
            group.MaxUpdatesPerPeriod == 0 ? "no rate limit" : $"at most {group.MaxUpdatesPerPeriod} per {GoDuration.Format(TimeSpan.FromSeconds(group.PeriodSeconds))}",
            $"update timeout {GoDuration.Format(TimeSpan.FromSeconds(group.UpdateTimeoutSeconds))}",
            group.Windows.Length == 0 ? "no maintenance windows" : $"windows {group.Windows} ({group.TimeZone})",
            group.RampSeconds == 0 ? "no ramp" : $"ramp {GoDuration.Format(TimeSpan.FromSeconds(group.RampSeconds))}",
        };
        return string.Join(", ", parts);
    }

    /// <summary>Copies the request's policy fields onto the row, or says which field is wrong.</summary>
    private static CatalogError? Apply(GroupRow group, GroupRequest request)
    {
        if (request.MaxUpdatesPerPeriod is < 0 or > 1_000_000)
        {
            return CatalogError.Invalid("maxUpdatesPerPeriod", "maxUpdatesPerPeriod must be 0 (no limit) to 1000000");
        }

        if (ParseDuration("period", request.Period, TimeSpan.FromMinutes(1), out var period) is { } badPeriod)
        {
            return badPeriod;
        }

        if (ParseDuration("updateTimeout", request.UpdateTimeout, TimeSpan.FromMinutes(1), out var timeout) is { } badTimeout)
        {
            return badTimeout;
        }

        if (ParseDuration("ramp", request.Ramp, TimeSpan.Zero, out var ramp) is { } badRamp)
        {
            return badRamp;
        }

        if (request.TimeZone is not null && !TimeZoneInfo.TryFindSystemTimeZoneById(request.TimeZone, out _))
        {
            return CatalogError.Invalid("timeZone", $"timeZone '{Names.Shorten(request.TimeZone)}' is not an IANA time zone such as Europe/Berlin");
        }

        string? windows = null;
        if (request.Windows is not null)
        {
            var parsed = new List<string>();
            foreach (var text in request.Windows)
            {
                if (text is null)
                {
                    return CatalogError.Invalid("windows", "a window must not be null");
                }

                if (!TimeWindow.TryParse(text, out var window, out var error))
                {
                    return CatalogError.Invalid("windows", error);
                }

                parsed.Add(window!.ToString());
            }

            windows = string.Join(";", parsed);
        }

        group.UpdatesEnabled = request.UpdatesEnabled ?? group.UpdatesEnabled;
        group.SafeMode = request.SafeMode ?? group.SafeMode;
        group.MaxUpdatesPerPeriod = request.MaxUpdatesPerPeriod ?? group.MaxUpdatesPerPeriod;
        group.PeriodSeconds = period is { } p ? (long)p.TotalSeconds : group.PeriodSeconds;
        group.UpdateTimeoutSeconds = timeout is { } t ? (long)t.TotalSeconds : group.UpdateTimeoutSeconds;
        group.RampSeconds = ramp is { } r ? (long)r.TotalSeconds : group.RampSeconds;
        group.TimeZone = request.TimeZone ?? group.TimeZone;
        group.Windows = windows ?? group.Windows;
        return null;
    }

    private static CatalogError? ParseDuration(string field, string? text, TimeSpan minimum, out TimeSpan? value)
    {
        value = null;
        if (text is null)
        {
            return null;
        }

        if (!GoDuration.TryParse(text, out var duration) || duration < minimum || duration > TimeSpan.FromDays(366))
        {
            return CatalogError.Invalid(field,
                $"{field} '{Names.Shorten(text)}' must be a duration such as 30m or 1h30m, from {GoDuration.Format(minimum)} to 8784h");
        }

        value = duration;
        return null;
    }

    private async Task<Outcome<GroupInfo>> FindAsync(DbConnection connection, DbTransaction? transaction, string appId, string name)
    {
        var group = (await QueryGroupsAsync(connection, transaction, " WHERE g.app_id = @appId AND g.name = @name", new { appId, name })).SingleOrDefault();
        return group is null ? CatalogError.NotFound($"no group named {name}") : group;
    }

    private Task<IEnumerable<GroupInfo>> QueryGroupsAsync(DbConnection connection, DbTransaction? transaction, string where, object parameters) =>
        connection.QueryAsync<GroupRow, string, string?, GroupInfo>(
            SelectGroups + where, ToInfo, parameters, transaction, splitOn: "channel_name,channel_version");

    private GroupInfo ToInfo(GroupRow g, string channelName, string? channelVersion)
    {
        var started = CatalogService.FromMs(g.RolloutStartedAt ?? g.CreatedAt);
        return new GroupInfo(
            g.Name,
            channelName,
            channelVersion,
            g.UpdatesEnabled,
            g.PausedReason,
            g.SafeMode,
            g.MaxUpdatesPerPeriod,
            GoDuration.Format(TimeSpan.FromSeconds(g.PeriodSeconds)),
            GoDuration.Format(TimeSpan.FromSeconds(g.UpdateTimeoutSeconds)),
            RolloutPolicy.SplitWindows(g.Windows).ToList(),
            g.TimeZone,
            GoDuration.Format(TimeSpan.FromSeconds(g.RampSeconds)),
            g.RolloutStartedAt is null ? null : started,
            RolloutRamp.Share(started, TimeSpan.FromSeconds(g.RampSeconds), time.GetUtcNow()));
    }
}
