using Keelson.Postgres;
using Npgsql;

namespace Keelson.Discovery;

/// <summary>
/// The <c>--store</c> value: <c>sqlite:PATH</c> (a database file, created when absent),
/// <c>etcd:URL[,URL...]</c> (the client URLs of an etcd v3 cluster), or a PostgreSQL database as a
/// <c>postgres://</c> URL or an Npgsql connection string (<c>Host=...;Database=...</c>).
/// </summary>
public sealed record StoreLocation
{
    /// <summary>The default store: <c>discovery.db</c> in the working directory.</summary>
    public static readonly StoreLocation DefaultSqlite = Sqlite("discovery.db");

    private StoreLocation(StoreKind kind, string path, IReadOnlyList<Uri> endpoints, NpgsqlConnectionStringBuilder? postgres = null)
    {
        Kind = kind;
        Path = path;
        Endpoints = endpoints;
        Postgres = postgres;
    }

    /// <summary>The PostgreSQL connection settings; null for the other stores.</summary>
    public NpgsqlConnectionStringBuilder? Postgres { get; }

    public StoreKind Kind { get; }

    /// <summary>The SQLite file; empty for etcd.</summary>
    public string Path { get; }

    /// <summary>The etcd client URLs; empty for SQLite.</summary>
    public IReadOnlyList<Uri> Endpoints { get; }

    public static StoreLocation Sqlite(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return new StoreLocation(StoreKind.Sqlite, path, []);
    }

    public static StoreLocation Etcd(IReadOnlyList<Uri> endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentOutOfRangeException.ThrowIfZero(endpoints.Count);
        return new StoreLocation(StoreKind.Etcd, "", endpoints);
    }

    public static StoreLocation PostgreSql(NpgsqlConnectionStringBuilder settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new StoreLocation(StoreKind.Postgres, "", [], settings);
    }

    /// <summary>Reads <c>sqlite:PATH</c>, <c>etcd:ENDPOINTS</c> or a PostgreSQL URL or connection string; <paramref name="error"/> says what is wrong otherwise.</summary>
    public static bool TryParse(string? text, out StoreLocation? location, out string error)
    {
        location = null;
        error = "";
        if (text is null)
        {
            error = "no store given";
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

        if (text.StartsWith("etcd:", StringComparison.Ordinal))
        {
            var endpoints = new List<Uri>();
            foreach (var part in text["etcd:".Length..].Split(',', StringSplitOptions.TrimEntries))
            {
                if (!Uri.TryCreate(part, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.AbsolutePath != "/")
                {
                    error = $"'{part}' in '{text}' is not an etcd client URL such as http://127.0.0.1:2379";
                    return false;
                }

                endpoints.Add(uri);
            }

            location = Etcd(endpoints);
            return true;
        }

        if (PostgresConnectionString.LooksLikePostgres(text))
        {
            if (!PostgresConnectionString.TryParse(text, out var settings, out error))
            {
                return false;
            }

            location = PostgreSql(settings);
            return true;
        }

        error = $"'{text}' is neither sqlite:PATH, etcd:URL[,URL...] nor a postgres:// URL";
        return false;
    }

    /// <summary>The store as <c>--store</c> takes it; a PostgreSQL password is left out.</summary>
    public override string ToString() => Kind switch
    {
        StoreKind.Sqlite => $"sqlite:{Path}",
        StoreKind.Postgres => PostgresConnectionString.Describe(Postgres!),
        _ => "etcd:" + string.Join(',', Endpoints.Select(e => e.GetLeftPart(UriPartial.Authority))),
    };
}
