using System.Diagnostics.CodeAnalysis;
using Keelson.Postgres;
using Npgsql;

namespace Keelson.Server.Storage;

/// <summary>
/// The <c>--database</c> value: <c>sqlite:PATH</c>, a <c>postgres://</c> / <c>postgresql://</c> URL or an Npgsql
/// connection string (<c>Host=...;Database=...</c>). Without one the server uses <c>keelson.db</c> in its data folder.
/// </summary>
public sealed record DatabaseLocation
{
    private DatabaseLocation(DatabaseKind kind, string path, NpgsqlConnectionStringBuilder? postgres)
    {
        Kind = kind;
        Path = path;
        Postgres = postgres;
    }

    public DatabaseKind Kind { get; }

    /// <summary>The SQLite file; empty for PostgreSQL.</summary>
    public string Path { get; }

    /// <summary>The PostgreSQL connection settings; null for SQLite.</summary>
    public NpgsqlConnectionStringBuilder? Postgres { get; }

    public static DatabaseLocation Sqlite(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return new DatabaseLocation(DatabaseKind.Sqlite, path, null);
    }

    public static DatabaseLocation PostgreSql(NpgsqlConnectionStringBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return new DatabaseLocation(DatabaseKind.Postgres, "", builder);
    }

    /// <summary>Reads a <c>--database</c> value; <paramref name="error"/> says what is wrong otherwise.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out DatabaseLocation? location, out string error)
    {
        location = null;
        error = "";
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "no database given";
            return false;
        }

        if (text.StartsWith("sqlite:", StringComparison.Ordinal))
        {
            var path = text["sqlite:".Length..];
            if (path.Trim().Length == 0)
            {
                error = $"'{text}' names no file; use sqlite:PATH";
                return false;
            }

            location = Sqlite(path);
            return true;
        }

        if (!PostgresConnectionString.LooksLikePostgres(text))
        {
            error = $"'{text}' is neither sqlite:PATH, a postgres:// URL nor a connection string like Host=db;Database=keelson";
            return false;
        }

        if (!PostgresConnectionString.TryParse(text, out var builder, out error))
        {
            return false;
        }

        location = PostgreSql(builder);
        return true;
    }

    /// <summary>Where the data is, for messages: never a password.</summary>
    public override string ToString() => Kind == DatabaseKind.Sqlite ? $"sqlite:{Path}" : PostgresConnectionString.Describe(Postgres!);
}
