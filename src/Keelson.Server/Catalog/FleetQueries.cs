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

                string? groupId = null;
                if (query.Group is not null
                    && (groupId = await connection.ExecuteScalarAsync<string?>(
                        "SELECT id FROM update_groups WHERE app_id = @appId AND name = @Group", new { appId, query.Group })) is null)
                {
                    return new Page<InstanceInfo>([], 0, query.Page, query.PerPage);
                }

                var where = new StringBuilder("i.app_id = @appId");
                where.Append(groupId is null ? "" : " AND i.group_id = @groupId")
                    .Append(query.Status is null ? "" : " AND i.status = @Status")
                    .Append(query.Version is null ? "" : " AND i.version = @Version");
                var cursor = query.Cursor();
                var parameters = new DynamicParameters(new
                {
                    appId,
                    groupId,
                    query.Status,
                    query.Version,
                    limit = query.PerPage + 1,
                    offset = cursor is null ? (query.Page - 1) * query.PerPage : 0,
                    countLimit = InstanceQuery.SearchCountLimit + 1,
                    afterValue = cursor?.Value,
                    afterMachine = cursor?.Machine,
                });
                var after = cursor is null ? "" : " AND " + query.AfterCondition();
                var groups = query.SortKey == "group" ? " LEFT JOIN update_groups g ON g.id = i.group_id" : "";
                var filtered = await CountAsync(connection, appId, groupId, query);
                var total = filtered;
                var capped = false;
                var keys = $"SELECT i.app_id, i.machine_id FROM instances i{groups} WHERE {where}{after}";
                if (query.Prefix is { } prefix)
                {
                    // How many machines the search matches, from its indexes alone, counting no further than the limit
                    // (each term names the application: an outer one would make SQLite scan the application's rows).
                    var (indexed, walked) = Search(prefix, parameters);
                    var matched = await connection.ExecuteScalarAsync<long>(
                        $"SELECT COUNT(*) FROM (SELECT 1 FROM instances i WHERE {indexed} LIMIT @countLimit) c", parameters);
                    if (matched <= InstanceQuery.SearchCountLimit)
                    {
                        // Few matches: gather them through the search's indexes, filter and sort them. The LIMIT keeps
                        // the planner from merging the two (it would walk the sort's index testing every machine).
                        var few = $"(SELECT i.app_id, i.machine_id FROM instances i WHERE {indexed} LIMIT @countLimit) m JOIN instances i ON i.app_id = m.app_id AND i.machine_id = m.machine_id{groups}";
                        total = await connection.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {few} WHERE {where}", parameters);
                        keys = $"SELECT i.app_id, i.machine_id FROM {few} WHERE {where}{after}";
                    }
                    else
                    {
                        // Many matches: a page walks the sort's index (or a selective filter's) and tests each
                        // machine, which finds a page within a few thousand machines. A selective filter's machines
                        // are counted; when the filters match many too, the total says only "more than the limit".
                        keys = $"SELECT i.app_id, i.machine_id FROM instances i{groups} WHERE {where} AND {walked}{after}";
                        capped = filtered > InstanceQuery.SearchCountLimit;
                        total = capped
                            ? InstanceQuery.SearchCountLimit
                            : await connection.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM instances i WHERE {where} AND {walked}", parameters);
                    }
                }

                // The page's keys first, from the sort's index alone, then their rows: a deep page skips index
                // entries, not whole rows. One row more than the page says whether there is a next page.
                var rows = (await connection.QueryAsync<InstanceRow, string?, string?, (InstanceInfo Info, string? SortValue)>(
                    $"""
                    SELECT i.*, g.name AS group_name, CAST({query.SortColumn} AS TEXT) AS sort_value
                    FROM ({keys} ORDER BY {query.OrderBy()} LIMIT @limit OFFSET @offset) k
                    JOIN instances i ON i.app_id = k.app_id AND i.machine_id = k.machine_id
                    LEFT JOIN update_groups g ON g.id = i.group_id
                    ORDER BY {query.OrderBy()}
                    """,
                    (row, group, sortValue) => (ToInfo(row, group), sortValue),
                    parameters,
                    splitOn: "group_name,sort_value")).ToList();
                var more = rows.Count > query.PerPage;
                var items = rows.Take(query.PerPage).ToList();
                var next = more && query.HasCursor ? query.NextCursor(items[^1].SortValue ?? "", items[^1].Info.MachineId) : null;
                return new Page<InstanceInfo>([.. items.Select(r => r.Info)], total, query.Page, query.PerPage, capped, next);
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
    private static async Task<long> CountAsync(System.Data.Common.DbConnection connection, string appId, string? groupId, InstanceQuery query) =>
        (await FleetCounts.ReadAsync(connection, appId, groupId))
            .Where(c => (query.Status is null || c.Status == query.Status) && (query.Version is null || c.Version == query.Version))
            .Sum(c => c.Machines);

    /// <summary>
    /// The search as SQL: machines whose id or name (ignoring case), address or version starts with
    /// <paramref name="prefix"/>. <c>indexed</c> is served by an index per field, each a range scan (what
    /// people type is the start of an id, a name or an address; a substring would read every machine);
    /// <c>walked</c> is the same test of a row already read, for walking another index.
    /// </summary>
    private (string Indexed, string Walked) Search(string prefix, DynamicParameters parameters)
    {
        var lower = prefix.ToLowerInvariant();
        (string Column, string Text)[] fields = [("i.machine_id", lower), ("lower(i.alias)", lower), ("i.ip", prefix), ("i.version", prefix)];
        var indexed = new List<string>();
        var walked = new List<string>();
        for (var n = 0; n < fields.Length; n++)
        {
            var name = "search" + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            parameters.AddDynamicParams(SqlDialect.PrefixParameters(name, fields[n].Text).ToDictionary());
            indexed.Add($"(i.app_id = @appId AND {database.Dialect.StartsWith(fields[n].Column, name)})");
            // An expression no index holds, so that the planner keeps to the sort's index.
            walked.Add(database.Dialect.StartsWith($"({fields[n].Column} || '')", name));
        }

        return ($"({string.Join(" OR ", indexed)})", $"({string.Join(" OR ", walked)})");
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
                // Server-wide entries (tokens, reboot slots) have no application and show with every one.
                var where = appId is null ? "" : " WHERE app_id = @appId OR app_id = ''";
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
        new(a.Id, a.Kind, a.Severity, a.GroupName, a.ChannelName, a.Version, a.MachineId, a.Message, CatalogService.FromMs(a.CreatedAt), a.Actor, a.ActorAddress);

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
