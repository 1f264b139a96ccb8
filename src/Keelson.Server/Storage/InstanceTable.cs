using System.Data.Common;
using System.Globalization;
using Dapper;

namespace Keelson.Server.Storage;

/// <summary>Reads and writes instances and their status history.</summary>
public static class InstanceTable
{
    // Routine checks written by one statement: enough to turn thousands of round trips into a few, few enough
    // for SQLite's and PostgreSQL's limits on parameters (18 per row).
    private const int TouchRowsPerStatement = 250;

    // Inserts whole rows; on conflict sets what every request observes. Statements append to it. The group is
    // looked up, not taken as given: a batched check read before its group was deleted records no group.
    private const string Insert = """
        INSERT INTO instances (app_id, machine_id, alias, ip, oem, oem_version, board, aleph_version, version, track,
            group_id, status, status_reason, update_version, update_granted_at, last_error_code, first_seen_at, last_check_at)
        VALUES
        """;

    private const string OnConflict = """

        ON CONFLICT (app_id, machine_id) DO UPDATE SET
            alias = excluded.alias, ip = excluded.ip, oem = excluded.oem, oem_version = excluded.oem_version,
            board = excluded.board, aleph_version = excluded.aleph_version, version = excluded.version,
            track = excluded.track, group_id = excluded.group_id, last_check_at = excluded.last_check_at
        """;

    private static readonly string s_upsert = Insert + Values("") + OnConflict;

    /// <summary>One row's values, its parameters named with <paramref name="suffix"/>.</summary>
    private static string Values(string suffix) =>
        $"""
        (@AppId{suffix}, @MachineId{suffix}, @Alias{suffix}, @Ip{suffix}, @Oem{suffix}, @OemVersion{suffix}, @Board{suffix},
            @AlephVersion{suffix}, @Version{suffix}, @Track{suffix}, (SELECT id FROM update_groups WHERE id = @GroupId{suffix}),
            @Status{suffix}, @StatusReason{suffix}, @UpdateVersion{suffix}, @UpdateGrantedAt{suffix}, @LastErrorCode{suffix},
            @FirstSeenAt{suffix}, @LastCheckAt{suffix})
        """;

    private static void AddValues(DynamicParameters parameters, InstanceRow row, string suffix)
    {
        parameters.Add("AppId" + suffix, row.AppId);
        parameters.Add("MachineId" + suffix, row.MachineId);
        parameters.Add("Alias" + suffix, row.Alias);
        parameters.Add("Ip" + suffix, row.Ip);
        parameters.Add("Oem" + suffix, row.Oem);
        parameters.Add("OemVersion" + suffix, row.OemVersion);
        parameters.Add("Board" + suffix, row.Board);
        parameters.Add("AlephVersion" + suffix, row.AlephVersion);
        parameters.Add("Version" + suffix, row.Version);
        parameters.Add("Track" + suffix, row.Track);
        parameters.Add("GroupId" + suffix, row.GroupId);
        parameters.Add("Status" + suffix, row.Status);
        parameters.Add("StatusReason" + suffix, row.StatusReason);
        parameters.Add("UpdateVersion" + suffix, row.UpdateVersion);
        parameters.Add("UpdateGrantedAt" + suffix, row.UpdateGrantedAt);
        parameters.Add("LastErrorCode" + suffix, row.LastErrorCode);
        parameters.Add("FirstSeenAt" + suffix, row.FirstSeenAt);
        parameters.Add("LastCheckAt" + suffix, row.LastCheckAt);
    }

    public static Task<InstanceRow?> FindAsync(DbConnection connection, DbTransaction? transaction, string appId, string machineId) =>
        connection.QuerySingleOrDefaultAsync<InstanceRow>(
            "SELECT * FROM instances WHERE app_id = @appId AND machine_id = @machineId",
            new { appId, machineId },
            transaction);

    public static Task UpsertAsync(DbConnection connection, DbTransaction transaction, InstanceRow instance) =>
        connection.ExecuteAsync(
            s_upsert + """
                , status = excluded.status, status_reason = excluded.status_reason, update_version = excluded.update_version,
                update_granted_at = excluded.update_granted_at, last_error_code = excluded.last_error_code
            """,
            instance,
            transaction);

    /// <summary>
    /// Records routine checks, several machines per statement (each machine once: a statement may not change a row
    /// twice): a new machine is inserted whole; a known one gets only its last-seen fields, never its status, and
    /// never from a check older than the one stored.
    /// </summary>
    public static async Task<int> TouchAsync(DbConnection connection, DbTransaction transaction, IEnumerable<InstanceRow> instances)
    {
        var written = 0;
        foreach (var rows in instances.Chunk(TouchRowsPerStatement))
        {
            var parameters = new DynamicParameters();
            var values = new List<string>(rows.Length);
            for (var i = 0; i < rows.Length; i++)
            {
                var suffix = "_" + i.ToString(CultureInfo.InvariantCulture);
                values.Add(Values(suffix));
                AddValues(parameters, rows[i], suffix);
            }

            written += await connection.ExecuteAsync(
                Insert + string.Join(",\n", values) + OnConflict + " WHERE instances.last_check_at <= excluded.last_check_at",
                parameters,
                transaction);
        }

        return written;
    }

    public static Task AppendHistoryAsync(DbConnection connection, DbTransaction transaction, IEnumerable<HistoryRow> rows) =>
        connection.ExecuteAsync(
            """
            INSERT INTO instance_history (app_id, machine_id, group_id, status, version, update_version, error_code, message, created_at)
            VALUES (@AppId, @MachineId, @GroupId, @Status, @Version, @UpdateVersion, @ErrorCode, @Message, @CreatedAt)
            """,
            rows,
            transaction);
}
