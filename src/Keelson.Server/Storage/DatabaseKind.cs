namespace Keelson.Server.Storage;

/// <summary>Which database engine holds the update service's data.</summary>
public enum DatabaseKind
{
    /// <summary>A SQLite file: one server process.</summary>
    Sqlite,

    /// <summary>A PostgreSQL database: any number of server replicas.</summary>
    Postgres,
}
