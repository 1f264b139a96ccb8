using System.Data.Common;
using Dapper;

namespace Keelson.Server.Storage;

/// <summary>Reads and writes instances and their status history.</summary>
public static class InstanceTable
{
    // Inserts a whole row; on conflict sets what every request observes. Statements append to it. The group is
    // looked up, not taken as given: a batched check read before its group was deleted records no group.
    private const string Upsert = """
        INSERT INTO instances (app_id, machine_id, alias, ip, oem, oem_version, board, aleph_version, version, track,
            group_id, status, status_reason, update_version, update_granted_at, last_error_code, first_seen_at, last_check_at)
        VALUES (@AppId, @MachineId, @Alias, @Ip, @Oem, @OemVersion, @Board, @AlephVersion, @Version, @Track,
            (SELECT id FROM update_groups WHERE id = @GroupId), @Status, @StatusReason, @UpdateVersion, @UpdateGrantedAt, @LastErrorCode, @FirstSeenAt, @LastCheckAt)
        ON CONFLICT (app_id, machine_id) DO UPDATE SET
            alias = excluded.alias, ip = excluded.ip, oem = excluded.oem, oem_version = excluded.oem_version,
            board = excluded.board, aleph_version = excluded.aleph_version, version = excluded.version,
            track = excluded.track, group_id = excluded.group_id, last_check_at = excluded.last_check_at
        """;

    public static Task<InstanceRow?> FindAsync(DbConnection connection, DbTransaction? transaction, string appId, string machineId) =>
        connection.QuerySingleOrDefaultAsync<InstanceRow>(
            "SELECT * FROM instances WHERE app_id = @appId AND machine_id = @machineId",
            new { appId, machineId },
            transaction);

    public static Task UpsertAsync(DbConnection connection, DbTransaction transaction, InstanceRow instance) =>
        connection.ExecuteAsync(
            Upsert + """
                , status = excluded.status, status_reason = excluded.status_reason, update_version = excluded.update_version,
                update_granted_at = excluded.update_granted_at, last_error_code = excluded.last_error_code
            """,
            instance,
            transaction);

    /// <summary>
    /// Records routine checks: a new machine is inserted whole; a known one gets only its last-seen fields,
    /// never its status, and never from a check older than the one stored.
    /// </summary>
    public static Task<int> TouchAsync(DbConnection connection, DbTransaction transaction, IEnumerable<InstanceRow> instances) =>
        connection.ExecuteAsync(
            Upsert + " WHERE instances.last_check_at <= excluded.last_check_at",
            instances,
            transaction);

    public static Task AppendHistoryAsync(DbConnection connection, DbTransaction transaction, IEnumerable<HistoryRow> rows) =>
        connection.ExecuteAsync(
            """
            INSERT INTO instance_history (app_id, machine_id, group_id, status, version, update_version, error_code, message, created_at)
            VALUES (@AppId, @MachineId, @GroupId, @Status, @Version, @UpdateVersion, @ErrorCode, @Message, @CreatedAt)
            """,
            rows,
            transaction);
}
