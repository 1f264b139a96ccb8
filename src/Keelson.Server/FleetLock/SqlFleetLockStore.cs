using System.Data.Common;
using Dapper;
using Keelson.Coordination.FleetLock;
using Keelson.Coordination.Locks;
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
internal sealed class SqlFleetLockStore(Database database, TimeProvider time) : IFleetLockStore
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

    /// <summary>Every group that was configured or asked for, by name, with its holders (oldest first).</summary>
    public Task<IReadOnlyList<RebootLockGroupInfo>> ListAsync(CancellationToken cancellationToken) =>
        database.ReadAsync(
            async connection =>
            {
                var groups = await connection.QueryAsync<(string Name, long Slots)>(
                    "SELECT name, slots FROM reboot_lock_groups ORDER BY name");
                var holders = (await connection.QueryAsync<(string GroupName, string Id, long Since)>(
                        "SELECT group_name, id, since FROM reboot_lock_holders ORDER BY since, id"))
                    .ToLookup(h => h.GroupName, StringComparer.Ordinal);
                return (IReadOnlyList<RebootLockGroupInfo>)[.. groups.Select(g => Info(g.Name, (int)g.Slots, holders[g.Name]))];
            },
            cancellationToken);

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
