namespace Keelson.Discovery.Tests;

/// <summary>The protocol tests against the embedded SQLite store.</summary>
public sealed class SqliteKeysApiTests : KeysApiTests
{
    protected override TestStore CreateStore() => TestStore.Sqlite();
}
