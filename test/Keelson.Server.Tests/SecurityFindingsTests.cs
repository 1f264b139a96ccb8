using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Keelson.Server.Api.Contracts;
using Keelson.Server.Storage;

namespace Keelson.Server.Tests;

/// <summary>Small findings of the security review: each fixed, each held here.</summary>
public sealed class SecurityFindingsTests
{
    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    public async Task Groups_and_channels_named_dot_or_dot_dot_are_refused_and_nothing_is_created(string name)
    {
        await using var server = await TestServer.StartAsync();

        using var group = await server.Http.PostAsJsonAsync($"{server.AppPath}/groups", new GroupRequest(name, "stable"));
        using var channel = await server.Http.PostAsJsonAsync($"{server.AppPath}/channels", new CreateChannelRequest(name));

        Assert.Equal(HttpStatusCode.BadRequest, group.StatusCode);
        Assert.Contains($"name '{name}' is not allowed", await group.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, channel.StatusCode);
        Assert.Contains($"name '{name}' is not allowed", await channel.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var groups = await server.ListAsync<GroupInfo>($"{server.AppPath}/groups");
        Assert.DoesNotContain(groups!, g => g.Name == name);
        var channels = await server.ListAsync<ChannelInfo>($"{server.AppPath}/channels");
        Assert.DoesNotContain(channels!, c => c.Name == name);
    }

    [Fact]
    public async Task The_OpenAPI_document_declares_the_bearer_token_and_puts_it_on_the_admin_routes_only()
    {
        await using var server = await TestServer.StartAsync();

        var document = JsonNode.Parse(await server.Http.GetStringAsync("/openapi/v1.json"))!;

        var scheme = document["components"]!["securitySchemes"]!["adminToken"]!;
        Assert.Equal("http", scheme["type"]!.GetValue<string>());
        Assert.Equal("bearer", scheme["scheme"]!.GetValue<string>());
        var paths = document["paths"]!.AsObject();
        Assert.Contains(paths, path => path.Key == "/api/reboot-locks");
        Assert.Contains(paths, path => !path.Key.StartsWith("/api/", StringComparison.Ordinal));
        foreach (var (path, operations) in paths)
        {
            foreach (var (method, operation) in operations!.AsObject())
            {
                var security = operation!["security"];
                if (path.StartsWith("/api/", StringComparison.Ordinal))
                {
                    Assert.True(security?[0]?["adminToken"] is not null, $"{method} {path} does not name the admin token");
                }
                else
                {
                    Assert.True(security is null, $"{method} {path} names a security scheme; machines present none");
                }
            }
        }
    }

    [Fact]
    public async Task The_data_folder_is_0700_and_the_SQLite_files_0600()
    {
        var data = Directory.CreateTempSubdirectory("keelson-modes-").FullName;
        File.SetUnixFileMode(data, (UnixFileMode)0b111_101_101);
        var path = Path.Combine(data, "keelson.db");
        await using (var server = await TestServer.StartAsync(dataDirectory: Path.Combine(data, "data"), database: DatabaseLocation.Sqlite(path)))
        {
            await server.CheckAsync("m1", "2512.2.0");

            // SQLite removes -wal and -shm when its last connection closes, and the server may hold none at this
            // instant: a reader of our own keeps them there while their modes are read.
            await using var reader = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False");
            await reader.OpenAsync();
            await using (var command = reader.CreateCommand())
            {
                command.CommandText = "SELECT count(*) FROM sqlite_master";
                await command.ExecuteScalarAsync();
            }

            Assert.Equal((UnixFileMode)0b111_000_000, File.GetUnixFileMode(server.DataDirectory));
            Assert.Equal((UnixFileMode)0b110_000_000, File.GetUnixFileMode(path));
            Assert.True(File.Exists(path + "-wal"), "the database runs in WAL mode");
            Assert.Equal((UnixFileMode)0b110_000_000, File.GetUnixFileMode(path + "-wal"));
            Assert.Equal((UnixFileMode)0b110_000_000, File.GetUnixFileMode(path + "-shm"));
        }

        // A database made before (0644) is made private when it is opened again.
        File.SetUnixFileMode(path, (UnixFileMode)0b110_100_100);
        await using (var again = await TestServer.StartAsync(database: DatabaseLocation.Sqlite(path)))
        {
            Assert.Equal((UnixFileMode)0b110_000_000, File.GetUnixFileMode(path));
        }

        Directory.Delete(data, recursive: true);
    }
}
