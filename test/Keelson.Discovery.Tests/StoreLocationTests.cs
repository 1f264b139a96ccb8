namespace Keelson.Discovery.Tests;

public sealed class StoreLocationTests
{
    [Fact]
    public void Sqlite_takes_a_path()
    {
        Assert.True(StoreLocation.TryParse("sqlite:/var/lib/keelson/discovery.db", out var location, out _));
        Assert.Equal(StoreKind.Sqlite, location!.Kind);
        Assert.Equal("/var/lib/keelson/discovery.db", location.Path);
        Assert.Equal("sqlite:/var/lib/keelson/discovery.db", location.ToString());
    }

    [Fact]
    public void Etcd_takes_a_list_of_client_urls()
    {
        Assert.True(StoreLocation.TryParse("etcd:http://127.0.0.1:2379, http://127.0.0.1:22379", out var location, out _));
        Assert.Equal(StoreKind.Etcd, location!.Kind);
        Assert.Equal(["http://127.0.0.1:2379/", "http://127.0.0.1:22379/"], location.Endpoints.Select(e => e.ToString()));
        Assert.Equal("etcd:http://127.0.0.1:2379,http://127.0.0.1:22379", location.ToString());
    }

    [Fact]
    public void A_postgres_url_names_a_shared_database_and_prints_without_its_password()
    {
        Assert.True(StoreLocation.TryParse("postgresql://disco:s%40cret@10.0.0.7/discovery?sslmode=require", out var location, out var error), error);

        Assert.Equal(StoreKind.Postgres, location!.Kind);
        Assert.Equal(("10.0.0.7", 5432, "discovery", "disco", "s@cret"), (location.Postgres!.Host, location.Postgres.Port, location.Postgres.Database, location.Postgres.Username, location.Postgres.Password));
        Assert.Equal("postgresql://disco@10.0.0.7:5432/discovery", location.ToString());
    }

    [Theory]
    [InlineData("discovery.db", "is neither sqlite:PATH, etcd:URL")]
    [InlineData("sqlite:", "names no file")]
    [InlineData("etcd:", "is not an etcd client URL")]
    [InlineData("etcd:127.0.0.1:2379", "is not an etcd client URL")]
    [InlineData("etcd:http://127.0.0.1:2379/v2", "is not an etcd client URL")]
    [InlineData("postgres:whatever", "is neither sqlite:PATH, etcd:URL")]
    [InlineData("postgres://k:secret@db", "names no database")]
    public void Anything_else_is_refused_with_a_reason(string text, string reason)
    {
        Assert.False(StoreLocation.TryParse(text, out var location, out var error));
        Assert.Null(location);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }
}
