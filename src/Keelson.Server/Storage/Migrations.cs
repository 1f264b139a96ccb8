using Dapper;

namespace Keelson.Server.Storage;

/// <summary>
/// Schema migrations, applied in order at start-up, each in its own transaction and recorded in
/// <c>schema_migrations</c>. Migrations are only ever appended.
/// </summary>
/// <remarks>
/// Times are stored as Unix milliseconds (BIGINT) and flags as INTEGER 0/1, so that the same SQL
/// runs on SQLite and PostgreSQL; <c>{identity}</c> is the dialect's auto-increment key.
/// </remarks>
public static class Migrations
{
    /// <summary>The CoreOS / Flatcar application id, seeded on a fresh server.</summary>
    public const string CoreOsAppId = "e96281a6-d1af-4bde-9a0a-97b76e56dc57";

    private static readonly (int Version, string Name, string Sql)[] s_all =
    [
        (1, "schema", """
            CREATE TABLE applications (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                description TEXT NOT NULL,
                created_at BIGINT NOT NULL);
            CREATE TABLE packages (
                id TEXT PRIMARY KEY,
                app_id TEXT NOT NULL REFERENCES applications(id),
                version TEXT NOT NULL,
                file_name TEXT NOT NULL,
                external_url TEXT NULL,
                size BIGINT NOT NULL,
                sha1 TEXT NOT NULL,
                sha256 TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                UNIQUE (app_id, version));
            CREATE TABLE channels (
                id TEXT PRIMARY KEY,
                app_id TEXT NOT NULL REFERENCES applications(id),
                name TEXT NOT NULL,
                package_id TEXT NULL REFERENCES packages(id),
                updated_at BIGINT NOT NULL,
                UNIQUE (app_id, name));
            CREATE TABLE update_groups (
                id TEXT PRIMARY KEY,
                app_id TEXT NOT NULL REFERENCES applications(id),
                name TEXT NOT NULL,
                channel_id TEXT NOT NULL REFERENCES channels(id),
                updates_enabled INTEGER NOT NULL,
                paused_reason TEXT NULL,
                safe_mode INTEGER NOT NULL,
                max_updates_per_period INTEGER NOT NULL,
                period_seconds BIGINT NOT NULL,
                update_timeout_seconds BIGINT NOT NULL,
                windows TEXT NOT NULL,
                time_zone TEXT NOT NULL,
                ramp_seconds BIGINT NOT NULL,
                rollout_package_id TEXT NULL REFERENCES packages(id),
                rollout_started_at BIGINT NULL,
                created_at BIGINT NOT NULL,
                UNIQUE (app_id, name));
            CREATE TABLE instances (
                app_id TEXT NOT NULL REFERENCES applications(id),
                machine_id TEXT NOT NULL,
                alias TEXT NOT NULL,
                ip TEXT NOT NULL,
                oem TEXT NOT NULL,
                oem_version TEXT NOT NULL,
                board TEXT NOT NULL,
                aleph_version TEXT NOT NULL,
                version TEXT NOT NULL,
                track TEXT NOT NULL,
                group_id TEXT NULL REFERENCES update_groups(id),
                status TEXT NOT NULL,
                status_reason TEXT NULL,
                update_version TEXT NULL,
                update_granted_at BIGINT NULL,
                last_error_code BIGINT NULL,
                first_seen_at BIGINT NOT NULL,
                last_check_at BIGINT NOT NULL,
                PRIMARY KEY (app_id, machine_id));
            CREATE INDEX ix_instances_group_status ON instances (group_id, status);
            CREATE INDEX ix_instances_last_check ON instances (last_check_at);
            CREATE TABLE instance_history (
                id {identity},
                app_id TEXT NOT NULL,
                machine_id TEXT NOT NULL,
                group_id TEXT NULL,
                status TEXT NOT NULL,
                version TEXT NOT NULL,
                update_version TEXT NULL,
                error_code BIGINT NULL,
                message TEXT NULL,
                created_at BIGINT NOT NULL);
            CREATE INDEX ix_history_instance ON instance_history (app_id, machine_id, id);
            CREATE INDEX ix_history_group_status ON instance_history (group_id, status, created_at);
            CREATE INDEX ix_history_group_version ON instance_history (group_id, update_version, status);
            CREATE TABLE activity (
                id {identity},
                app_id TEXT NOT NULL,
                kind TEXT NOT NULL,
                severity TEXT NOT NULL,
                group_name TEXT NULL,
                channel_name TEXT NULL,
                version TEXT NULL,
                machine_id TEXT NULL,
                message TEXT NOT NULL,
                created_at BIGINT NOT NULL);
            CREATE INDEX ix_activity_app ON activity (app_id, id);
            """),
        (2, "coreos-app-channels-groups", $"""
            INSERT INTO applications (id, name, description, created_at)
                VALUES ('{CoreOsAppId}', 'CoreOS', 'Container Linux / Flatcar', @now);
            INSERT INTO channels (id, app_id, name, package_id, updated_at) VALUES
                ('alpha', '{CoreOsAppId}', 'alpha', NULL, @now),
                ('beta', '{CoreOsAppId}', 'beta', NULL, @now),
                ('stable', '{CoreOsAppId}', 'stable', NULL, @now);
            INSERT INTO update_groups (id, app_id, name, channel_id, updates_enabled, paused_reason, safe_mode,
                max_updates_per_period, period_seconds, update_timeout_seconds, windows, time_zone, ramp_seconds,
                rollout_package_id, rollout_started_at, created_at) VALUES
                ('alpha', '{CoreOsAppId}', 'alpha', 'alpha', 1, NULL, 0, 0, 3600, 3600, '', 'UTC', 0, NULL, NULL, @now),
                ('beta', '{CoreOsAppId}', 'beta', 'beta', 1, NULL, 0, 0, 3600, 3600, '', 'UTC', 0, NULL, NULL, @now),
                ('stable', '{CoreOsAppId}', 'stable', 'stable', 1, NULL, 0, 0, 3600, 3600, '', 'UTC', 0, NULL, NULL, @now);
            """),
        (3, "reboot-locks", """
            CREATE TABLE reboot_lock_groups (
                name TEXT PRIMARY KEY,
                slots INTEGER NOT NULL,
                updated_at BIGINT NOT NULL);
            CREATE TABLE reboot_lock_holders (
                group_name TEXT NOT NULL REFERENCES reboot_lock_groups(name),
                id TEXT NOT NULL,
                since BIGINT NOT NULL,
                PRIMARY KEY (group_name, id));
            """),
        (4, "dashboard", """
            CREATE TABLE fleet_samples (
                group_id TEXT NOT NULL,
                bucket_seconds INTEGER NOT NULL,
                bucket_start BIGINT NOT NULL,
                dimension TEXT NOT NULL,
                value TEXT NOT NULL,
                machines BIGINT NOT NULL,
                PRIMARY KEY (group_id, bucket_seconds, bucket_start, dimension, value));
            CREATE INDEX ix_instances_rollout ON instances (app_id, group_id, status, version);
            CREATE INDEX ix_instances_app_version ON instances (app_id, version, machine_id);
            CREATE INDEX ix_instances_app_status ON instances (app_id, status, machine_id);
            CREATE INDEX ix_instances_app_last_check ON instances (app_id, last_check_at, machine_id);
            DROP INDEX ix_instances_last_check;
            CREATE INDEX ix_activity_app_kind ON activity (app_id, kind, id);
            """),
        // Machines per group, status and version (and, held or failed, per reason and error) kept as rows change, so
        // that summaries of a million machines read a few hundred rows. Triggers append +1/-1 changes (no row that
        // concurrent checks would wait on); FleetCounts folds them into instance_counts. Keys are never NULL, so
        // that ON CONFLICT finds them: '' for no group or reason, -1 for no error.
        (5, "instance-counts", """
            CREATE TABLE instance_counts (
                app_id TEXT NOT NULL,
                group_id TEXT NOT NULL,
                status TEXT NOT NULL,
                version TEXT NOT NULL,
                status_reason TEXT NOT NULL,
                last_error_code BIGINT NOT NULL,
                machines BIGINT NOT NULL,
                PRIMARY KEY (app_id, group_id, status, version, status_reason, last_error_code));
            CREATE TABLE instance_count_changes (
                id {identity},
                app_id TEXT NOT NULL,
                group_id TEXT NOT NULL,
                status TEXT NOT NULL,
                version TEXT NOT NULL,
                status_reason TEXT NOT NULL,
                last_error_code BIGINT NOT NULL,
                machines BIGINT NOT NULL);
            {count-triggers}
            INSERT INTO instance_counts (app_id, group_id, status, version, status_reason, last_error_code, machines)
                SELECT app_id, group_id, status, version, status_reason, last_error_code, COUNT(*) FROM (
                    SELECT app_id, COALESCE(group_id, '') AS group_id, status, version,
                        CASE WHEN status IN ('OnHold', 'Error') THEN COALESCE(status_reason, '') ELSE '' END AS status_reason,
                        CASE WHEN status IN ('OnHold', 'Error') THEN COALESCE(last_error_code, -1) ELSE -1 END AS last_error_code
                    FROM instances) i
                GROUP BY app_id, group_id, status, version, status_reason, last_error_code;
            """),
        // The machine list at a million machines: an index for each sort the dashboard offers (the machine id is the
        // primary key; last check, version and status came with migration 4), so that a page, and the page after a
        // cursor, reads 50 index entries whatever the depth; names sort and are searched ignoring case. The group
        // page lists a group's machines of one status by last check.
        (6, "machine-list-indexes", """
            CREATE INDEX ix_instances_app_first_seen ON instances (app_id, first_seen_at, machine_id);
            CREATE INDEX ix_instances_app_alias ON instances (app_id, lower(alias), machine_id);
            CREATE INDEX ix_instances_app_ip ON instances (app_id, ip, machine_id);
            CREATE INDEX ix_instances_group_status_last_check ON instances (app_id, group_id, status, last_check_at, machine_id);
            """),
        // Named API tokens with a role (Security/Roles.cs); the secret itself is never stored, only its SHA-256
        // (Security/TokenStore.cs says why that hash). Who made each change, and from where, goes with the activity.
        (7, "tokens-and-audit", """
            CREATE TABLE api_tokens (
                name TEXT PRIMARY KEY,
                role TEXT NOT NULL,
                secret_sha256 TEXT NOT NULL UNIQUE,
                created_at BIGINT NOT NULL,
                created_by TEXT NOT NULL,
                last_used_at BIGINT NULL);
            ALTER TABLE activity ADD COLUMN actor TEXT NULL;
            ALTER TABLE activity ADD COLUMN actor_address TEXT NULL;
            """),
    ];

    // One change row of a machine's key, +1 or -1, as both dialects write it in a trigger (ROW is OLD or NEW).
    private const string CountChange = """
        INSERT INTO instance_count_changes (app_id, group_id, status, version, status_reason, last_error_code, machines)
        VALUES (ROW.app_id, COALESCE(ROW.group_id, ''), ROW.status, ROW.version,
            CASE WHEN ROW.status IN ('OnHold', 'Error') THEN COALESCE(ROW.status_reason, '') ELSE '' END,
            CASE WHEN ROW.status IN ('OnHold', 'Error') THEN COALESCE(ROW.last_error_code, -1) ELSE -1 END, SIGN);
        """;

    private const string CountedColumns = "group_id, status, version, status_reason, last_error_code";

    private static string Changed(string distinct) =>
        string.Join(" OR ", CountedColumns.Split(", ").Select(c => $"OLD.{c} {distinct} NEW.{c}"));

    private static string Change(string row, int sign) =>
        CountChange.Replace("ROW.", row + ".", StringComparison.Ordinal).Replace("SIGN", sign.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

    /// <summary>The triggers that keep instance_count_changes, in the dialect's own syntax.</summary>
    private static string CountTriggers(SqlDialect dialect) =>
        dialect == SqlDialect.Postgres
            ? $"""
                CREATE FUNCTION keelson_instance_count_change() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP IN ('UPDATE', 'DELETE') THEN
                        {Change("OLD", -1)}
                    END IF;
                    IF TG_OP IN ('UPDATE', 'INSERT') THEN
                        {Change("NEW", 1)}
                    END IF;
                    RETURN NULL;
                END $$;
                CREATE TRIGGER instances_counted AFTER INSERT OR DELETE ON instances
                    FOR EACH ROW EXECUTE FUNCTION keelson_instance_count_change();
                CREATE TRIGGER instances_recounted AFTER UPDATE OF {CountedColumns} ON instances
                    FOR EACH ROW WHEN ({Changed("IS DISTINCT FROM")}) EXECUTE FUNCTION keelson_instance_count_change();
                """
            : $"""
                CREATE TRIGGER instances_counted AFTER INSERT ON instances BEGIN
                    {Change("NEW", 1)}
                END;
                CREATE TRIGGER instances_uncounted AFTER DELETE ON instances BEGIN
                    {Change("OLD", -1)}
                END;
                CREATE TRIGGER instances_recounted AFTER UPDATE OF {CountedColumns} ON instances
                    WHEN {Changed("IS NOT")} BEGIN
                    {Change("OLD", -1)}
                    {Change("NEW", 1)}
                END;
                """;

    /// <summary>The newest schema version this build knows.</summary>
    public static int Latest => s_all[^1].Version;

    /// <summary>Applies the migrations the database has not seen; returns how many ran.</summary>
    public static async Task<int> ApplyAsync(Database database, TimeProvider time, CancellationToken cancellationToken)
    {
        await database.WriteAsync(
            async (connection, transaction) =>
            {
                await LockAsync(database, connection, transaction);
                return await connection.ExecuteAsync(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
                    transaction: transaction);
            },
            cancellationToken);
        var applied = 0;
        foreach (var (version, name, sql) in s_all)
        {
            var ran = await database.WriteAsync(
                async (connection, transaction) =>
                {
                    await LockAsync(database, connection, transaction);
                    var seen = await connection.ExecuteScalarAsync<long>(
                        "SELECT COUNT(*) FROM schema_migrations WHERE version = @version", new { version }, transaction);
                    if (seen > 0)
                    {
                        return false;
                    }

                    var now = time.GetUtcNow().ToUnixTimeMilliseconds();
                    await connection.ExecuteAsync(sql.Replace("{identity}", database.Dialect.IdentityColumn, StringComparison.Ordinal)
                        .Replace("{count-triggers}", CountTriggers(database.Dialect), StringComparison.Ordinal), new { now }, transaction);
                    await connection.ExecuteAsync(
                        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, @now)",
                        new { version, name, now }, transaction);
                    return true;
                },
                cancellationToken);
            applied += ran ? 1 : 0;
        }

        await EnsureNotNewerThanBuildAsync(database, cancellationToken);
        return applied;
    }

    // Replicas starting at once against one empty database: the second waits here until the first has committed,
    // then sees the migration recorded (each statement of a READ COMMITTED transaction sees the latest commits).
    private static async Task LockAsync(Database database, System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction)
    {
        if (database.Dialect.MigrationLock.Length > 0)
        {
            await connection.ExecuteAsync(database.Dialect.MigrationLock, transaction: transaction);
        }
    }

    private static async Task EnsureNotNewerThanBuildAsync(Database database, CancellationToken cancellationToken)
    {
        var newest = await database.ReadAsync(
            connection => connection.ExecuteScalarAsync<long>("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"),
            cancellationToken);
        if (newest > Latest)
        {
            throw new InvalidOperationException(
                $"the database has schema version {newest}, newer than this Keelson build knows ({Latest}); run a newer Keelson");
        }
    }
}
