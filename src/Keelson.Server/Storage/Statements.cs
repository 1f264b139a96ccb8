using System.Data;
using System.Data.Common;

namespace Keelson.Server.Storage;

/// <summary>
/// The commands of one transaction, kept by their SQL so that a statement run for many machines is compiled once:
/// Microsoft.Data.Sqlite compiles a statement for every new command, and compiling was the largest part of a
/// grant's cost. Callers set the parameters' values by position and run the command again (see <see cref="RowInsert{T}"/>).
/// </summary>
public sealed class Statements(DbConnection connection, DbTransaction transaction) : IAsyncDisposable
{
    private readonly Dictionary<string, DbCommand> _commands = new(StringComparer.Ordinal);

    public DbConnection Connection { get; } = connection;

    public DbTransaction Transaction { get; } = transaction;

    /// <summary>
    /// The command for <paramref name="sql"/>, its <paramref name="parameters"/> declared in that order (a parameter
    /// without a type takes it from its value).
    /// </summary>
    public DbCommand Get(string sql, IReadOnlyList<(string Name, DbType? Type)> parameters)
    {
        ArgumentNullException.ThrowIfNull(sql);
        ArgumentNullException.ThrowIfNull(parameters);
        if (_commands.TryGetValue(sql, out var command))
        {
            return command;
        }

        command = Connection.CreateCommand();
        command.Transaction = Transaction;
        command.CommandText = sql;
        foreach (var (name, type) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            if (type is { } known)
            {
                parameter.DbType = known;
            }

            command.Parameters.Add(parameter);
        }

        _commands.Add(sql, command);
        return command;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var command in _commands.Values)
        {
            await command.DisposeAsync();
        }

        _commands.Clear();
    }
}
