using System.Data;
using System.Globalization;

namespace Keelson.Server.Storage;

/// <summary>One column of a <see cref="RowInsert{T}"/>: its parameter, type and value, and the SQL around the parameter.</summary>
/// <param name="Parameter">The parameter's name without <c>@</c>.</param>
/// <param name="Expression">The value's SQL with <c>{0}</c> for the value; <c>{0}</c> alone when it is the value itself.</param>
public sealed record RowColumn<T>(string Parameter, DbType Type, Func<T, object?> Value, string Expression = "{0}");

/// <summary>
/// An INSERT of many rows of <typeparamref name="T"/>, written the way each store takes many rows fastest.
/// </summary>
/// <remarks>
/// <para>
/// SQLite: one row per statement, <c><paramref name="head"/> VALUES (...) <paramref name="tail"/></c>, compiled once
/// per <see cref="Statements"/> and run again for each row. SQLite finds each named parameter by a search through all
/// of the statement's names, so a statement of many rows binds in time that grows with their number squared.
/// </para>
/// <para>
/// PostgreSQL: every row in one statement, each column one array parameter,
/// <c><paramref name="head"/> SELECT ... FROM unnest(@a, @b, ...) <paramref name="tail"/></c>. The text is the same
/// for any number of rows, so it is parsed and planned in a fraction of a millisecond; a multi-row VALUES list of 250
/// rows (4,500 parameters) took 10-16 ms to plan and twice as long to run (measured with EXPLAIN ANALYZE).
/// </para>
/// </remarks>
public sealed class RowInsert<T>(string head, IReadOnlyList<RowColumn<T>> columns, string tail)
{
    // Bounds the arrays of one statement (and the memory they take); far above a batch of checks.
    private const int MaxRowsPerArrayStatement = 10_000;

    private readonly Lazy<(string Sql, (string, DbType?)[] Parameters)> _oneRow = new(() => BuildOneRow(head, columns, tail));
    private readonly Lazy<(string Sql, (string, DbType?)[] Parameters)> _arrays = new(() => BuildArrays(head, columns, tail));

    /// <summary>Inserts <paramref name="rows"/> in order; the count the statements report.</summary>
    public async Task<int> ExecuteAsync(Statements statements, SqlDialect dialect, IReadOnlyCollection<T> rows)
    {
        ArgumentNullException.ThrowIfNull(statements);
        ArgumentNullException.ThrowIfNull(dialect);
        ArgumentNullException.ThrowIfNull(rows);
        return dialect.ArrayParameters ? await ExecuteArraysAsync(statements, rows) : await ExecuteOneByOneAsync(statements, rows);
    }

    private async Task<int> ExecuteOneByOneAsync(Statements statements, IReadOnlyCollection<T> rows)
    {
        var (sql, parameters) = _oneRow.Value;
        var command = statements.Get(sql, parameters);
        var written = 0;
        foreach (var row in rows)
        {
            for (var c = 0; c < columns.Count; c++)
            {
                command.Parameters[c].Value = columns[c].Value(row) ?? DBNull.Value;
            }

            written += await command.ExecuteNonQueryAsync();
        }

        return written;
    }

    private async Task<int> ExecuteArraysAsync(Statements statements, IReadOnlyCollection<T> rows)
    {
        var (sql, parameters) = _arrays.Value;
        var command = statements.Get(sql, parameters);
        var written = 0;
        foreach (var chunk in rows.Chunk(MaxRowsPerArrayStatement))
        {
            for (var c = 0; c < columns.Count; c++)
            {
                command.Parameters[c].Value = Column(columns[c], chunk);
            }

            written += await command.ExecuteNonQueryAsync();
        }

        return written;
    }

    /// <summary>One column's values as the typed array the statement's cast expects.</summary>
    private static Array Column(RowColumn<T> column, T[] rows) => column.Type switch
    {
        DbType.String => Array.ConvertAll(rows, row => (string?)column.Value(row)),
        DbType.Int64 => Array.ConvertAll(rows, row => (long?)column.Value(row)),
        _ => throw new NotSupportedException($"column {column.Parameter}: no array type for {column.Type}"),
    };

    private static string ArrayType(RowColumn<T> column) => column.Type switch
    {
        DbType.String => "text[]",
        DbType.Int64 => "bigint[]",
        _ => throw new NotSupportedException($"column {column.Parameter}: no array type for {column.Type}"),
    };

    private static (string, (string, DbType?)[]) BuildOneRow(string head, IReadOnlyList<RowColumn<T>> columns, string tail)
    {
        var values = columns.Select(column => string.Format(CultureInfo.InvariantCulture, column.Expression, "@" + column.Parameter));
        return ($"{head}\nVALUES ({string.Join(", ", values)})\n{tail}",
            [.. columns.Select(column => ("@" + column.Parameter, (DbType?)column.Type))]);
    }

    private static (string, (string, DbType?)[]) BuildArrays(string head, IReadOnlyList<RowColumn<T>> columns, string tail)
    {
        var names = columns.Select((_, i) => "c" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        var values = columns.Select((column, i) => string.Format(CultureInfo.InvariantCulture, column.Expression, "v." + names[i]));
        var arrays = columns.Select(column => $"@{column.Parameter}::{ArrayType(column)}");
        // The arrays' types are in the casts: the parameters take them from their values.
        return ($"{head}\nSELECT {string.Join(", ", values)}\nFROM unnest({string.Join(", ", arrays)}) AS v({string.Join(", ", names)})\n{tail}",
            [.. columns.Select(column => ("@" + column.Parameter, (DbType?)null))]);
    }
}
