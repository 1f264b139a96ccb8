using System.Data.Common;
using Dapper;
using Keelson.Coordination.FleetLock;
using Keelson.Coordination.Locks;
using Keelson.Server.Api.Contracts;
using Keelson.Server.Storage;

namespace Keelson.Server.FleetLock;

/// <summary>
/// The update server's FleetLock semaphores, in its own database: <c>reboot_lock_groups</c> (a group's slots) and
/// <c>reboot_lock_holders</c> (who holds one, since when). A group nobody configured has
/// <see cref="DefaultSlots"/>; its row is made the first time a machine asks for a slot of it.
/// </summary>
/// <remarks>
/// A lock or unlock is one write transaction. The first statement of a lock writes the group's row, so that on a
/// database with concurrent writers (PostgreSQL) two locks of one group queue on that row instead of both counting
/// the same free slot; on SQLite writers already run one at a time.
/// </remarks>
/// <param name="maxGroups">Groups kept at most: a lock of a new group beyond it is refused (0: no cap); see <see cref="FleetLockLimits"/>.</param>
internal sealed class SqlFleetLockStore(Database database, TimeProvider time, int maxGroups = 0) : IFleetLockStore
{
    /// <summary>Slots of a group that was never configured.</summary>
    public const int DefaultSlots = 1;

    public async Task<LockOutcome> LockAsync(string group, string id, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(group);
        ArgumentException.ThrowIfNullOrEmpty(id);
        return await GuardAsync(group, () => database.WriteAsync(
            async (connection, transaction) =>
            {
                var now = time.GetUtcNow().ToUnixTimeMilliseconds();
                if (maxGroups > 0
                    && await connection.ExecuteScalarAsync<int?>("SELECT slots FROM reboot_lock_groups WHERE name = @group", new { group }, transaction) is null
                    && await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM reboot_lock_groups", transaction: transaction) >= maxGroups)
                {
                    return LockOutcome.OverLimit($"group '{group}' is new and the server keeps no more groups: {FleetLockLimits.Groups(maxGroups).Describe()}");
                }

                await connection.ExecuteAsync(
                    """
                    INSERT INTO reboot_lock_groups (name, slots, updated_at) VALUES (@group, @slots, @now)
                    ON CONFLICT (name) DO UPDATE SET slots = reboot_lock_groups.slots
                    """,
                    new { group, slots = DefaultSlots, now },
                    transaction);
                var slots = await connection.ExecuteScalarAsync<int>(
                    "SELECT slots FROM reboot_lock_groups WHERE name = @group", new { group }, transaction);
                var holders = (await connection.QueryAsync<string>(
                    "SELECT id FROM reboot_lock_holders WHERE group_name = @group ORDER BY since, id",
                    new { group },
                    transaction)).ToList();
                if (holders.Contains(id, StringComparer.Ordinal))
                {
                    return LockOutcome.StillHeld;
                }

                if (holders.Count >= slots)
                {
                    return LockOutcome.Refused(FleetLockSlots.DescribeFull(group, slots, holders));
                }

                await connection.ExecuteAsync(
                    "INSERT INTO reboot_lock_holders (group_name, id, since) VALUES (@group, @id, @now)",
                    new { group, id, now },
                    transaction);
                return LockOutcome.Granted;
            },
            cancellationToken));
    }

    public async Task<bool> UnlockAsync(string group, string id, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(group);
        ArgumentException.ThrowIfNullOrEmpty(id);
        return await GuardAsync(group, () => database.WriteAsync(
            async (connection, transaction) => await connection.ExecuteAsync(
                "DELETE FROM reboot_lock_holders WHERE group_name = @group AND id = @id", new { group, id }, transaction) > 0,
            cancellationToken));
    }

    /// <summary>
    /// One page of the groups that were configured or asked for, by name, with their holders (oldest first): page
    /// <paramref name="page"/> (from 1), or with <paramref name="after"/> the groups named after it (a page's
    /// <see cref="Page{T}.Next"/>), which reads as fast at any depth.
    /// </summary>
    public Task<Page<RebootLockGroupInfo>> ListAsync(int page, int perPage, string? after, CancellationToken cancellationToken) =>
        database.ReadAsync(
            async connection =>
            {
                var total = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM reboot_lock_groups");
                var where = after is null ? "" : " WHERE name > @after";
                var groups = (await connection.QueryAsync<(string Name, long Slots)>(
                    $"SELECT name, slots FROM reboot_lock_groups{where} ORDER BY name LIMIT @limit OFFSET @offset",
                    new { after, limit = perPage + 1, offset = after is null ? (page - 1) * perPage : 0 })).ToList();
                var more = groups.Count > perPage;
                groups = [.. groups.Take(perPage)];
                var names = groups.Select(g => g.Name).ToList();
                var holders = names.Count == 0
                    ? Enumerable.Empty<(string GroupName, string Id, long Since)>().ToLookup(h => h.GroupName, StringComparer.Ordinal)
                    : (await connection.QueryAsync<(string GroupName, string Id, long Since)>(
                        $"SELECT group_name, id, since FROM reboot_lock_holders WHERE group_name IN ({string.Join(", ", names.Select((_, i) => "@g" + i))}) ORDER BY since, id",
                        Parameters(names))).ToLookup(h => h.GroupName, StringComparer.Ordinal);
                return new Page<RebootLockGroupInfo>(
                    [.. groups.Select(g => Info(g.Name, (int)g.Slots, holders[g.Name]))], total, page, perPage, Next: more ? names[^1] : null);
            },
            cancellationToken);

    /// <summary>Every group, page by page (the dashboard's list; the cap on groups keeps it short).</summary>
    public async Task<IReadOnlyList<RebootLockGroupInfo>> ListAllAsync(CancellationToken cancellationToken)
    {
        var groups = new List<RebootLockGroupInfo>();
        string? after = null;
        do
        {
            var page = await ListAsync(1, Catalog.FleetQueries.MaxPerPage, after, cancellationToken);
            groups.AddRange(page.Items);
            after = page.Next;
        }
        while (after is not null);
        return groups;
    }

    private static DynamicParameters Parameters(List<string> names)
    {
        var parameters = new DynamicParameters();
        for (var i = 0; i < names.Count; i++)
        {
            parameters.Add("g" + i, names[i]);
        }

        return parameters;
    }

    /// <summary>One group; a group never configured nor asked for has the default slots and no holders.</summary>
    public Task<RebootLockGroupInfo> GetAsync(string group, CancellationToken cancellationToken) =>
        database.ReadAsync(connection => GetAsync(connection, null, group), cancellationToken);

    /// <summary>Sets how many machines of <paramref name="group"/> may reboot at once; holders beyond a lowered count keep their slots.</summary>
    public Task<RebootLockGroupInfo> SetSlotsAsync(string group, int slots, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(group);
        ArgumentOutOfRangeException.ThrowIfNegative(slots);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(slots, FleetLockSlots.MaxSlots);
        return database.WriteAsync(
            async (connection, transaction) =>
            {
                await connection.ExecuteAsync(
                    """
                    INSERT INTO reboot_lock_groups (name, slots, updated_at) VALUES (@group, @slots, @now)
                    ON CONFLICT (name) DO UPDATE SET slots = excluded.slots, updated_at = excluded.updated_at
                    """,
                    new { group, slots, now = time.GetUtcNow().ToUnixTimeMilliseconds() },
                    transaction);
                return await GetAsync(connection, transaction, group);
            },
            cancellationToken);
    }

    private static async Task<RebootLockGroupInfo> GetAsync(DbConnection connection, DbTransaction? transaction, string group)
    {
        var slots = await connection.ExecuteScalarAsync<int?>(
            "SELECT slots FROM reboot_lock_groups WHERE name = @group", new { group }, transaction);
        var holders = await connection.QueryAsync<(string GroupName, string Id, long Since)>(
            "SELECT group_name, id, since FROM reboot_lock_holders WHERE group_name = @group ORDER BY since, id", new { group }, transaction);
        return Info(group, slots ?? DefaultSlots, holders);
    }

    private static RebootLockGroupInfo Info(string group, int slots, IEnumerable<(string GroupName, string Id, long Since)> holders) =>
        new(group, slots, [.. holders.Select(h => new RebootLockHolderInfo(h.Id, DateTimeOffset.FromUnixTimeMilliseconds(h.Since)))]);

    private static async Task<T> GuardAsync<T>(string group, Func<Task<T>> work)
    {
        try
        {
            return await work();
        }
        catch (DbException e)
        {
            throw new RebootLockException($"the server's database failed on the reboot lock of group '{group}': {e.Message}", e);
        }
    }
}
