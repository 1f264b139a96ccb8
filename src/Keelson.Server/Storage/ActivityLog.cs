using System.Data.Common;
using Dapper;

namespace Keelson.Server.Storage;

/// <summary>Writes and reads the activity log.</summary>
public static class ActivityLog
{
    public static Task AppendAsync(DbConnection connection, DbTransaction transaction, ActivityRow entry) =>
        connection.ExecuteAsync(
            """
            INSERT INTO activity (app_id, kind, severity, group_name, channel_name, version, machine_id, message, created_at, actor, actor_address)
            VALUES (@AppId, @Kind, @Severity, @GroupName, @ChannelName, @Version, @MachineId, @Message, @CreatedAt, @Actor, @ActorAddress)
            """,
            entry,
            transaction);
}
