namespace Keelson.Discovery.Tests;

/// <summary>The keys API on a PostgreSQL store.</summary>
public sealed class PostgresKeysApiTests : KeysApiTests
{
    protected override TestStore CreateStore() => TestStore.Postgres();
}
