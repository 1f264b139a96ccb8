using System.Data;
using System.Data.Common;
using Dapper;

namespace Keelson.Server.Storage;

/// <summary>Reads and writes instances and their status history.</summary>
public static class InstanceTable
{
    // Inserts whole rows; on conflict sets what every request observes. The group is looked up, not taken as
    // given: a batched check read before its group was deleted records no group.
    private const string Insert = """
        INSERT INTO instances (app_id, machine_id, alias, ip, oem, oem_version, board, aleph_version, version, track,
            group_id, status, status_reason, update_version, update_granted_at, last_error_code, first_seen_at, last_check_at)
        """;

    private const string OnConflict = """
        ON CONFLICT (app_id, machine_id) DO UPDATE SET
            alias = excluded.alias, ip = excluded.ip, oem = excluded.oem, oem_version = excluded.oem_version,
            board = excluded.board, aleph_version = excluded.aleph_version, version = excluded.version,
            track = excluded.track, group_id = excluded.group_id, last_check_at = excluded.last_check_at
        """;

    /// <summary>The columns of <see cref="Insert"/>, in its order.</summary>
    private static readonly RowColumn<InstanceRow>[] s_columns =
    [
        new("AppId", DbType.String, row => row.AppId),
        new("MachineId", DbType.String, row => row.MachineId),
        new("Alias", DbType.String, row => row.Alias),
        new("Ip", DbType.String, row => row.Ip),
        new("Oem", DbType.String, row => row.Oem),
        new("OemVersion", DbType.String, row => row.OemVersion),
        new("Board", DbType.String, row => row.Board),
        new("AlephVersion", DbType.String, row => row.AlephVersion),
        new("Version", DbType.String, row => row.Version),
        new("Track", DbType.String, row => row.Track),
        new("GroupId", DbType.String, row => row.GroupId, "(SELECT id FROM update_groups WHERE id = {0})"),
        new("Status", DbType.String, row => row.Status),
        new("StatusReason", DbType.String, row => row.StatusReason),
        new("UpdateVersion", DbType.String, row => row.UpdateVersion),
        new("UpdateGrantedAt", DbType.Int64, row => row.UpdateGrantedAt),
        new("LastErrorCode", DbType.Int64, row => row.LastErrorCode),
        new("FirstSeenAt", DbType.Int64, row => row.FirstSeenAt),
        new("LastCheckAt", DbType.Int64, row => row.LastCheckAt),
    ];

    /// <summary>Status changes: the whole row, the status fields too.</summary>
    private static readonly RowInsert<InstanceRow> s_upsert = new(Insert, s_columns, OnConflict + """
        , status = excluded.status, status_reason = excluded.status_reason, update_version = excluded.update_version,
            update_granted_at = excluded.update_granted_at, last_error_code = excluded.last_error_code
        """);

    /// <summary>Routine checks: a new machine whole; a known one only its last-seen fields, and never from an older check.</summary>
    private static readonly RowInsert<InstanceRow> s_touch = new(Insert, s_columns, OnConflict + " WHERE instances.last_check_at <= excluded.last_check_at");

    private static readonly RowInsert<HistoryRow> s_history = new(
        "INSERT INTO instance_history (app_id, machine_id, group_id, status, version, update_version, error_code, message, created_at)",
        [
            new("AppId", DbType.String, row => row.AppId),
            new("MachineId", DbType.String, row => row.MachineId),
            new("GroupId", DbType.String, row => row.GroupId),
            new("Status", DbType.String, row => row.Status),
            new("Version", DbType.String, row => row.Version),
            new("UpdateVersion", DbType.String, row => row.UpdateVersion),
            new("ErrorCode", DbType.Int64, row => row.ErrorCode),
            new("Message", DbType.String, row => row.Message),
            new("CreatedAt", DbType.Int64, row => row.CreatedAt),
        ],
        "");

    /// <summary>The rows of <paramref name="machineIds"/> of one application, by machine id (each once); machines without a row are absent.</summary>
    public static async Task<Dictionary<string, InstanceRow>> FindManyAsync(
        DbConnection connection, DbTransaction? transaction, SqlDialect dialect, string appId,
        IReadOnlyCollection<string> machineIds)
    {
        var rows = await connection.QueryAsync<InstanceRow>(FindManySql(dialect), new { appId, machineIds = machineIds.Distinct(StringComparer.Ordinal).ToArray() }, transaction);
        return rows.ToDictionary(row => row.MachineId, StringComparer.Ordinal);
    }

    /// <summary>The statement of <see cref="FindManyAsync"/>: each machine through the primary key, whatever the statistics say.</summary>
    /// <remarks>
    /// PostgreSQL, given <c>machine_id = ANY(...)</c> on a table it has not analyzed yet (a new database, a burst of
    /// new machines), could read every row of the application through another index and filter them: 11-14 ms for 30
    /// machines at 20,000, growing with the fleet, and most of a grant's time on a new database.
    /// An equality on both key columns of one machine is always planned on the primary key, and the LIMIT keeps
    /// the planner from turning the lateral lookup back into a join it could plan the same way.
    /// </remarks>
    internal static string FindManySql(SqlDialect dialect)
    {
        ArgumentNullException.ThrowIfNull(dialect);
        return dialect.ArrayParameters
            ? """
              SELECT found.* FROM unnest(@machineIds) AS wanted(machine_id)
              CROSS JOIN LATERAL (SELECT * FROM instances WHERE app_id = @appId AND machine_id = wanted.machine_id LIMIT 1) AS found
              """
            : $"SELECT * FROM instances WHERE app_id = @appId AND {dialect.In("machine_id", "@machineIds")}";
    }

    /// <summary>Records status changes (each machine once): the whole row of each machine.</summary>
    public static Task UpsertAsync(Statements statements, SqlDialect dialect, IReadOnlyCollection<InstanceRow> instances) =>
        s_upsert.ExecuteAsync(statements, dialect, instances);

    /// <summary>
    /// Records routine checks, several machines per statement where the store gains by it (each machine once: a
    /// statement may not change a row twice): a new machine is inserted whole; a known one gets only its last-seen
    /// fields, never its status, and never from a check older than the one stored.
    /// </summary>
    public static async Task<int> TouchAsync(
        DbConnection connection, DbTransaction transaction, SqlDialect dialect,
        IReadOnlyCollection<InstanceRow> instances)
    {
        ArgumentNullException.ThrowIfNull(dialect);
        await using var statements = new Statements(connection, transaction);
        if (dialect.ArrayParameters)
        {
            return await s_touch.ExecuteAsync(statements, dialect, instances);
        }

        var (timed, rest) = await TouchTimesAsync(statements, instances);
        return timed + await s_touch.ExecuteAsync(statements, dialect, rest);
    }

    /// <summary>
    /// SQLite: sets only the last check time of the machines whose row already holds everything else the check
    /// observed (the common case: a machine checking again from where it was); the others are left for the upsert.
    /// </summary>
    /// <remarks>
    /// SQLite updates every index over a column an UPDATE sets, changed or not, and evaluates the count trigger: the
    /// upsert of 2,000 known machines took 0.3-0.9 s in a 200,000-machine database, this update 0.05 s.
    /// </remarks>
    private static async Task<(int Written, List<InstanceRow> Others)> TouchTimesAsync(Statements statements, IReadOnlyCollection<InstanceRow> instances)
    {
        var command = statements.Get(TouchTime, s_touchTimeColumns.Select(column => ("@" + column.Parameter, (DbType?)column.Type)).ToArray());
        var rest = new List<InstanceRow>();
        var written = 0;
        foreach (var instance in instances)
        {
            for (var c = 0; c < s_touchTimeColumns.Length; c++)
            {
                command.Parameters[c].Value = s_touchTimeColumns[c].Value(instance) ?? DBNull.Value;
            }

            if (await command.ExecuteNonQueryAsync() == 1)
            {
                written++;
            }
            else
            {
                rest.Add(instance);
            }
        }

        return (written, rest);
    }

    private const string TouchTime = """
        UPDATE instances SET last_check_at = @LastCheckAt
        WHERE app_id = @AppId AND machine_id = @MachineId AND last_check_at <= @LastCheckAt
          AND alias IS @Alias AND ip IS @Ip AND oem IS @Oem AND oem_version IS @OemVersion AND board IS @Board
          AND aleph_version IS @AlephVersion AND version IS @Version AND track IS @Track AND group_id IS @GroupId
        """;

    /// <summary>The columns <see cref="TouchTime"/> compares, by the parameters of <see cref="s_columns"/>.</summary>
    private static readonly RowColumn<InstanceRow>[] s_touchTimeColumns =
        [.. s_columns.Where(column => column.Parameter is not ("Status" or "StatusReason" or "UpdateVersion" or "UpdateGrantedAt" or "LastErrorCode" or "FirstSeenAt"))];

    public static Task AppendHistoryAsync(Statements statements, SqlDialect dialect, IReadOnlyCollection<HistoryRow> rows) =>
        s_history.ExecuteAsync(statements, dialect, rows);
}
