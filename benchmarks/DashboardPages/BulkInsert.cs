using System.Data.Common;
using System.Text;

namespace DashboardPages;

/// <summary>
/// Inserts many rows with multi-row <c>INSERT ... VALUES (...), (...)</c> statements whose parameters are made
/// once and refilled, so that a million rows cost a few thousand statements. Plain SQL that SQLite and PostgreSQL
/// both run.
/// </summary>
internal sealed class BulkInsert(string table, params string[] columns)
{
    // SQLite allows 32,766 parameters in a statement and PostgreSQL 65,535; stay well under both.
    private const int MaxParameters = 8000;

    public async Task<long> RunAsync(DbConnection connection, DbTransaction transaction, IEnumerable<object?[]> rows)
    {
        var perStatement = Math.Max(1, MaxParameters / columns.Length);
        DbCommand? full = null;
        var batch = new List<object?[]>(perStatement);
        long written = 0;
        try
        {
            foreach (var row in rows)
            {
                if (row.Length != columns.Length)
                {
                    throw new ArgumentException($"a row for {table} has {row.Length} values, not {columns.Length}", nameof(rows));
                }

                batch.Add(row);
                if (batch.Count == perStatement)
                {
                    full ??= Command(connection, transaction, perStatement);
                    written += await ExecuteAsync(full, batch);
                    batch.Clear();
                }
            }

            if (batch.Count > 0)
            {
                await using var rest = Command(connection, transaction, batch.Count);
                written += await ExecuteAsync(rest, batch);
            }

            return written;
        }
        finally
        {
            if (full is not null)
            {
                await full.DisposeAsync();
            }
        }
    }

    private DbCommand Command(DbConnection connection, DbTransaction transaction, int rows)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        var sql = new StringBuilder($"INSERT INTO {table} ({string.Join(", ", columns)}) VALUES ");
        for (var r = 0; r < rows; r++)
        {
            sql.Append(r == 0 ? "(" : ", (");
            for (var c = 0; c < columns.Length; c++)
            {
                var name = $"@p{(r * columns.Length) + c}";
                sql.Append(c == 0 ? name : ", " + name);
                var parameter = command.CreateParameter();
                parameter.ParameterName = name;
                command.Parameters.Add(parameter);
            }

            sql.Append(')');
        }

        command.CommandText = sql.ToString();
        return command;
    }

    private static async Task<int> ExecuteAsync(DbCommand command, List<object?[]> batch)
    {
        var i = 0;
        foreach (var row in batch)
        {
            foreach (var value in row)
            {
                command.Parameters[i++].Value = value ?? DBNull.Value;
            }
        }

        return await command.ExecuteNonQueryAsync();
    }
}
