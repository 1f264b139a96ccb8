using System.Collections.Concurrent;
using System.Data;
using System.Globalization;

namespace Keelson.Server.Storage;

/// <summary>One column of a <see cref="RowInsert{T}"/>: its parameter, type and value, and the SQL around the parameter.</summary>
/// <param name="Parameter">The parameter's name without <c>@</c> (rows add <c>_0</c>, <c>_1</c>, ...).</param>
/// <param name="Expression">The value's SQL with <c>{0}</c> for the parameter; <c>{0}</c> alone when it is the parameter itself.</param>
public sealed record RowColumn<T>(string Parameter, DbType Type, Func<T, object?> Value, string Expression = "{0}");

/// <summary>
/// An INSERT of many rows of <typeparamref name="T"/>, <see cref="SqlDialect.RowsPerInsert"/> rows per statement:
/// <c><paramref name="head"/> VALUES (...), (...) <paramref name="tail"/></c>. The statement for each number of rows
/// is built once and its command compiled once per <see cref="Statements"/>.
/// </summary>
public sealed class RowInsert<T>(string head, IReadOnlyList<RowColumn<T>> columns, string tail)
{
    private readonly ConcurrentDictionary<int, (string Sql, (string, DbType)[] Parameters)> _statements = new();

    /// <summary>Inserts <paramref name="rows"/> in order; the count the statements report.</summary>
    public async Task<int> ExecuteAsync(Statements statements, SqlDialect dialect, IReadOnlyCollection<T> rows)
    {
        ArgumentNullException.ThrowIfNull(statements);
        ArgumentNullException.ThrowIfNull(dialect);
        ArgumentNullException.ThrowIfNull(rows);
        var written = 0;
        foreach (var chunk in rows.Chunk(dialect.RowsPerInsert))
        {
            var (sql, parameters) = _statements.GetOrAdd(chunk.Length, Build);
            var command = statements.Get(sql, parameters);
            for (var row = 0; row < chunk.Length; row++)
            {
                for (var c = 0; c < columns.Count; c++)
                {
                    command.Parameters[(row * columns.Count) + c].Value = columns[c].Value(chunk[row]) ?? DBNull.Value;
                }
            }

            written += await command.ExecuteNonQueryAsync();
        }

        return written;
    }

    private (string, (string, DbType)[]) Build(int rows)
    {
        var values = new List<string>(rows);
        var parameters = new List<(string, DbType)>(rows * columns.Count);
        for (var row = 0; row < rows; row++)
        {
            var suffix = "_" + row.ToString(CultureInfo.InvariantCulture);
            values.Add("(" + string.Join(", ", columns.Select(column =>
                string.Format(CultureInfo.InvariantCulture, column.Expression, "@" + column.Parameter + suffix))) + ")");
            parameters.AddRange(columns.Select(column => ("@" + column.Parameter + suffix, column.Type)));
        }

        return (head + "\nVALUES " + string.Join(",\n", values) + "\n" + tail, [.. parameters]);
    }
}
