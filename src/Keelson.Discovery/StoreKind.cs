namespace Keelson.Discovery;

/// <summary>Where the discovery service keeps its tokens.</summary>
public enum StoreKind
{
    /// <summary>An embedded SQLite file: one replica.</summary>
    Sqlite,

    /// <summary>An etcd v3 cluster: any number of replicas serve one token space.</summary>
    Etcd,

    /// <summary>A PostgreSQL database: any number of replicas serve one token space.</summary>
    Postgres,
}
