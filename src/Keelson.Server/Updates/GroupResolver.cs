using System.Data.Common;
using Dapper;
using Keelson.Server.Storage;

namespace Keelson.Server.Updates;

/// <summary>Finds the group a machine's <c>track</c> names.</summary>
public static class GroupResolver
{
    /// <summary>
    /// <c>track</c> names a group (by name or id); failing that a channel, whose group is the one of the same
    /// name or else the oldest on that channel.
    /// </summary>
    public static async Task<GroupView?> ResolveAsync(DbConnection connection, DbTransaction? transaction, string appId, string track)
    {
        var rows = await connection.QueryAsync<GroupRow, ChannelRow, PackageRow?, GroupView>(
            """
            SELECT g.*, c.*, p.*
            FROM update_groups g
            JOIN channels c ON c.id = g.channel_id
            LEFT JOIN packages p ON p.id = c.package_id
            WHERE g.app_id = @appId AND (g.name = @track OR g.id = @track OR c.name = @track)
            ORDER BY CASE WHEN g.name = @track OR g.id = @track THEN 0 WHEN g.name = c.name THEN 1 ELSE 2 END, g.created_at
            LIMIT 1
            """,
            (group, channel, package) => new GroupView(group, channel, package),
            new { appId, track },
            transaction,
            splitOn: "id,id");
        return rows.FirstOrDefault();
    }
}
