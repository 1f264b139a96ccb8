namespace Keelson.Discovery.Tests;

/// <summary>Replicas on one PostgreSQL database: a change through one wakes the watches held by another (LISTEN/NOTIFY).</summary>
public sealed class PostgresReplicaTests : ReplicaTests
{
    protected override TestStore CreateStore() => TestStore.Postgres();
}
