using System.Text;
using Dapper;
using Keelson.Omaha;
using Keelson.Server.Api.Contracts;
using Keelson.Server.Rollout;
using Keelson.Server.Storage;
using Keelson.Server.Updates;

namespace Keelson.Server.Catalog;

/// <summary>Read-only views of the fleet: instances with their history, and the activity log.</summary>
public sealed class FleetQueries(Database database, InstanceTouches touches)
{
    public const int MaxPerPage = 500;

    /// <summary>Instances of an application, filtered, searched, sorted and paged as <paramref name="query"/> says.</summary>
    public Task<Outcome<Page<InstanceInfo>>> ListInstancesAsync(string appId, InstanceQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Check() is { } invalid)
        {
            return Task.FromResult<Outcome<Page<InstanceInfo>>>(invalid);
        }

        return ReadFleetAsync<Outcome<Page<InstanceInfo>>>(
            async connection =>
            {
                if (!await ApplicationTable.ExistsAsync(connection, null, appId))
                {
                    return CatalogService.UnknownApplication(appId);
                }

                var where = new StringBuilder("i.app_id = @appId");
                if (query.Group is not null)
                {
                    where.Append(" AND i.group_id = (SELECT id FROM update_groups WHERE app_id = @appId AND name = @Group)");
                }

                if (query.Status is not null)
                {
                    where.Append(" AND i.status = @Status");
                }

                if (query.Version is not null)
                {
                    where.Append(" AND i.version = @Version");
                }

                var pattern = query.LikePattern();
                if (pattern is not null)
                {
                    var like = database.Dialect.CaseInsensitiveLike;
                    where.Append($" AND (i.machine_id {like} @like ESCAPE '\\' OR i.alias {like} @like ESCAPE '\\' OR i.ip {like} @like ESCAPE '\\' OR i.version {like} @like ESCAPE '\\')");
                }

                var parameters = new { appId, query.Group, query.Status, query.Version, like = pattern, limit = query.PerPage, offset = (query.Page - 1) * query.PerPage };
                var total = pattern is null
                    ? await CountAsync(connection, appId, query)
                    : await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM instances i WHERE " + where, parameters);
                // The page's keys first, from the sort's index alone, then their rows: a deep page skips index
                // entries, not whole rows.
                var groups = query.SortKey == "group" ? " LEFT JOIN update_groups g ON g.id = i.group_id" : "";
                var rows = await connection.QueryAsync<InstanceRow, string?, InstanceInfo>(
                    $"""
                    SELECT i.*, g.name AS group_name
                    FROM (SELECT i.app_id, i.machine_id FROM instances i{groups} WHERE {where} ORDER BY {query.OrderBy()} LIMIT @limit OFFSET @offset) k
                    JOIN instances i ON i.app_id = k.app_id AND i.machine_id = k.machine_id
                    LEFT JOIN update_groups g ON g.id = i.group_id
                    ORDER BY {query.OrderBy()}
                    """,
                    ToInfo,
                    parameters,
                    splitOn: "group_name");
                return new Page<InstanceInfo>(rows.ToList(), total, query.Page, query.PerPage);
            },
            cancellationToken);
    }

    /// <summary>The distinct versions the application's machines run, newest first (for filters).</summary>
    public Task<IReadOnlyList<string>> ListVersionsAsync(string appId, CancellationToken cancellationToken) =>
        ReadFleetAsync<IReadOnlyList<string>>(
            async connection => [.. (await FleetCounts.ReadAsync(connection, appId)).Select(c => c.Version).Distinct().OrderDescending(VersionOrder.Instance)],
            cancellationToken);

    /// <summary>
    /// How many machines match the filters, from the maintained counts rather than by counting rows: exact, and as
    /// cheap for a million machines as for ten. A search still counts the rows it matches.
    /// </summary>
    private static async Task<long> CountAsync(System.Data.Common.DbConnection connection, string appId, InstanceQuery query)
    {
        string? groupId = null;
        if (query.Group is not null
            && (groupId = await connection.ExecuteScalarAsync<string?>(
                "SELECT id FROM update_groups WHERE app_id = @appId AND name = @Group", new { appId, query.Group })) is null)
        {
            return 0;
        }

        return (await FleetCounts.ReadAsync(connection, appId, groupId))
            .Where(c => (query.Status is null || c.Status == query.Status) && (query.Version is null || c.Version == query.Version))
            .Sum(c => c.Machines);
    }

    public Task<Outcome<InstanceDetail>> GetInstanceAsync(string appId, string machineId, CancellationToken cancellationToken) =>
        ReadFleetAsync<Outcome<InstanceDetail>>(
            async connection =>
            {
                var info = (await connection.QueryAsync<InstanceRow, string?, InstanceInfo>(
                    """
                    SELECT i.*, g.name AS group_name FROM instances i LEFT JOIN update_groups g ON g.id = i.group_id
                    WHERE i.app_id = @appId AND i.machine_id = @machineId
                    """,
                    ToInfo,
                    new { appId, machineId = machineId.ToLowerInvariant() },
                    splitOn: "group_name")).SingleOrDefault();
                if (info is null)
                {
                    return CatalogError.NotFound($"no instance {machineId}");
                }

                var history = await connection.QueryAsync<HistoryRow>(
                    "SELECT * FROM instance_history WHERE app_id = @appId AND machine_id = @machineId ORDER BY id DESC LIMIT 100",
                    new { appId, machineId = info.MachineId });
                return new InstanceDetail(
                    info,
                    history.Select(h => new HistoryEntry(h.Status, h.Version, h.UpdateVersion, h.ErrorCode, h.Message, CatalogService.FromMs(h.CreatedAt))).ToList());
            },
            cancellationToken);

    public Task<Outcome<Page<ActivityEntry>>> ListActivityAsync(string? appId, int page, int perPage, CancellationToken cancellationToken)
    {
        if (CheckPage(page, perPage) is { } invalid)
        {
            return Task.FromResult<Outcome<Page<ActivityEntry>>>(invalid);
        }

        return database.ReadAsync<Outcome<Page<ActivityEntry>>>(
            async connection =>
            {
                var where = appId is null ? "" : " WHERE app_id = @appId";
                var parameters = new { appId, limit = perPage, offset = (page - 1) * perPage };
                var total = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM activity" + where, parameters);
                var rows = await connection.QueryAsync<ActivityRow>(
                    "SELECT * FROM activity" + where + " ORDER BY id DESC LIMIT @limit OFFSET @offset", parameters);
                return new Page<ActivityEntry>(rows.Select(ToEntry).ToList(), total, page, perPage);
            },
            cancellationToken);
    }

    /// <summary>Reads after the checks that came before, so an operator sees what machines just reported.</summary>
    private async Task<T> ReadFleetAsync<T>(Func<System.Data.Common.DbConnection, Task<T>> read, CancellationToken cancellationToken)
    {
        await touches.FlushAsync(cancellationToken);
        return await database.ReadAsync(read, cancellationToken);
    }

    internal static CatalogError? CheckPage(int page, int perPage) =>
        page < 1 ? CatalogError.Invalid("page", "page counts from 1")
        : perPage is < 1 or > MaxPerPage ? CatalogError.Invalid("perPage", $"perPage must be 1 to {MaxPerPage}")
        : null;

    internal static ActivityEntry ToEntry(ActivityRow a) =>
        new(a.Id, a.Kind, a.Severity, a.GroupName, a.ChannelName, a.Version, a.MachineId, a.Message, CatalogService.FromMs(a.CreatedAt));

    private static InstanceInfo ToInfo(InstanceRow i, string? groupName) => new(
        i.MachineId, i.Alias, i.Ip, i.Oem, i.OemVersion, i.Board, i.AlephVersion, i.Version, i.Track, groupName,
        i.Status, i.StatusReason, i.UpdateVersion,
        i.UpdateGrantedAt is { } granted ? CatalogService.FromMs(granted) : null,
        i.LastErrorCode,
        i.LastErrorCode is { } code ? OmahaErrorCodes.Describe(code) : null,
        RolloutRamp.Place(i.MachineId),
        CatalogService.FromMs(i.FirstSeenAt),
        CatalogService.FromMs(i.LastCheckAt));
}
