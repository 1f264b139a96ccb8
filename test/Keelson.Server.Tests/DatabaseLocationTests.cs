using Keelson.Server.Storage;
using Keelson.TestSupport;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Keelson.Server.Tests;

public sealed class DatabaseLocationTests
{
    [Fact]
    public void A_postgres_url_is_read_with_its_escaped_password_default_port_and_parameters()
    {
        Assert.True(DatabaseLocation.TryParse("postgres://kee%40lson:p%3Ass%2Fw@db.example.com/fleet?sslmode=verify-full&application_name=keelson", out var location, out var error), error);

        Assert.Equal(DatabaseKind.Postgres, location.Kind);
        var settings = location.Postgres!;
        Assert.Equal(("db.example.com", 5432, "fleet", "kee@lson", "p:ss/w"), (settings.Host, settings.Port, settings.Database, settings.Username, settings.Password));
        Assert.Equal(SslMode.VerifyFull, settings.SslMode);
        Assert.Equal("keelson", settings.ApplicationName);
        Assert.Equal("postgresql://kee@lson@db.example.com:5432/fleet", location.ToString());
    }

    [Fact]
    public void A_connection_string_and_a_sqlite_path_are_read_too()
    {
        Assert.True(DatabaseLocation.TryParse("Host=10.0.0.5;Port=6432;Database=keelson;Username=k", out var postgres, out _));
        Assert.Equal(("10.0.0.5", 6432, "keelson"), (postgres.Postgres!.Host, postgres.Postgres.Port, postgres.Postgres.Database));
        Assert.True(DatabaseLocation.TryParse("postgresql://k@db:7000/keelson", out var other, out _));
        Assert.Equal(7000, other.Postgres!.Port);
        Assert.True(DatabaseLocation.TryParse("sqlite:/var/lib/keelson/k.db", out var sqlite, out _));
        Assert.Equal((DatabaseKind.Sqlite, "/var/lib/keelson/k.db"), (sqlite.Kind, sqlite.Path));
    }

    [Theory]
    [InlineData("mysql://k@db/keelson", "neither sqlite:PATH")]
    [InlineData("postgres://k:secret@db", "names no database")]
    [InlineData("postgres://k:secret@db/keelson?sslmode=sometimes", "sslmode=sometimes")]
    [InlineData("postgres://k:secret@db/keelson?colour=blue", "colour=blue")]
    [InlineData("postgres://k:secret@db:99999/keelson", "not a valid URL")]
    [InlineData("Host=db;Databse=keelson", "nor a valid connection string")]
    [InlineData("sqlite:", "names no file")]
    public void A_malformed_value_is_refused_naming_what_is_wrong_and_never_the_password(string text, string expected)
    {
        Assert.False(DatabaseLocation.TryParse(text, out _, out var error));

        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_postgres_fails_with_its_host_port_and_reason()
    {
        var port = FreePort();
        using var database = Database.Open(DatabaseLocation.PostgreSql(new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = port, Database = "keelson", Username = "k", Timeout = 5 }));

        var failure = await Assert.ThrowsAsync<DatabaseException>(() => Migrations.ApplyAsync(database, TimeProvider.System, CancellationToken.None));

        Assert.True(failure.IsTransient);
        Assert.Contains($"127.0.0.1:{port}", failure.Message, StringComparison.Ordinal);
        Assert.Contains("refused", failure.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Replicas_starting_at_once_on_one_empty_postgres_database_migrate_it_once()
    {
        Assert.True(DatabaseLocation.TryParse(await PostgresCluster.CreateDatabaseAsync(), out var location, out _));
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var replicas = Enumerable.Range(0, 4).Select(_ => Database.Open(location)).ToList();

        var applied = await Task.WhenAll(replicas.Select(r => Task.Run(() => Migrations.ApplyAsync(r, time, CancellationToken.None))));

        // Each migration ran once, by whichever replica took the lock first; they may share the work.
        Assert.Equal(Migrations.Latest, applied.Sum());
        foreach (var replica in replicas)
        {
            replica.Dispose();
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
