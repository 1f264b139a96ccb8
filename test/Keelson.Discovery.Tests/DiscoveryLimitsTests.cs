using System.Net;

namespace Keelson.Discovery.Tests;

/// <summary>The discovery service's limits against floods, and findings of the security review, on the SQLite store.</summary>
public sealed class DiscoveryLimitsTests : IAsyncLifetime
{
    private const string Member = "8e9e05c52164694d";

    private readonly TestStore _store = TestStore.Sqlite();
    private DiscoveryHost? _host;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        _store.Dispose();
    }

    private async Task<DiscoveryHost> StartAsync(Action<DiscoveryOptions>? configure = null) =>
        _host = await DiscoveryHost.StartAsync(_store, configure);

    [Fact]
    public async Task New_tokens_over_the_per_address_rate_are_refused_429_naming_the_limit_and_health_stays_OK()
    {
        var host = await StartAsync(options => options.NewTokensPerMinute = 3);
        var answers = new List<Answer>();
        for (var i = 0; i < 8; i++)
        {
            answers.Add(await host.SendAsync(HttpMethod.Get, "/new?size=3"));
            Assert.Equal(HttpStatusCode.OK, (await host.GetAsync("/health")).Status);
        }

        Assert.All(answers.Take(3), answer => Assert.Equal(HttpStatusCode.OK, answer.Status));
        Assert.All(answers.Skip(3), answer =>
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, answer.Status);
            Assert.StartsWith("too many requests: limit 'new-tokens': at most 3 new tokens a minute from one address (set by --limit-new-tokens", answer.Body, StringComparison.Ordinal);
        });
        // Tokens already made keep working: the token routes have their own, larger limit.
        var token = new Uri(answers[0].Body).Segments[^1];
        Assert.Equal(HttpStatusCode.OK, (await host.GetAsync($"/{token}")).Status);
    }

    [Fact]
    public async Task Requests_to_tokens_over_the_per_address_rate_are_refused_429()
    {
        var host = await StartAsync(options => options.RequestsPerMinute = 4);
        var token = await host.NewTokenAsync();
        var answers = new List<Answer>();
        for (var i = 0; i < 8; i++)
        {
            answers.Add(await host.GetAsync($"/{token}"));
        }

        Assert.All(answers.Take(4), answer => Assert.Equal(HttpStatusCode.OK, answer.Status));
        Assert.Equal(HttpStatusCode.TooManyRequests, answers[^1].Status);
        Assert.Contains("limit 'discovery-requests'", answers[^1].Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await host.GetAsync("/health")).Status);
    }

    [Fact]
    public async Task PrevExist_false_in_a_form_body_is_honoured_as_etcd_does()
    {
        var host = await StartAsync();
        var token = await host.NewTokenAsync();
        var first = await host.SendAsync(HttpMethod.Put, $"/{token}/{Member}", Form("infra0=http://10.0.1.10:2380", "false"));
        Assert.Equal(HttpStatusCode.Created, first.Status);

        var again = await host.SendAsync(HttpMethod.Put, $"/{token}/{Member}", Form("infra9=http://10.0.1.99:2380", "false"));

        Assert.Equal(HttpStatusCode.PreconditionFailed, again.Status);
        Assert.Equal(105, again.ErrorCode);
        Assert.Equal("infra0=http://10.0.1.10:2380", (await host.GetAsync($"/{token}/{Member}")).Node.GetProperty("value").GetString());
        var bad = await host.SendAsync(HttpMethod.Put, $"/{token}/{Member}", Form("infra9=http://10.0.1.99:2380", "maybe"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.Contains("prevExist", bad.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_SQLite_files_are_0600_and_a_folder_it_creates_0700()
    {
        var folder = Directory.CreateTempSubdirectory("keelson-discovery-modes-").FullName;
        try
        {
            var path = Path.Combine(folder, "new-folder", "discovery.db");
            await using (var host = await DiscoveryHost.StartAsync(_store, options => options.Store = StoreLocation.Sqlite(path)))
            {
                await host.NewTokenAsync();
                Assert.Equal((UnixFileMode)0b111_000_000, File.GetUnixFileMode(Path.GetDirectoryName(path)!));
                foreach (var file in new[] { path, path + "-wal", path + "-shm" }.Where(File.Exists))
                {
                    Assert.Equal((UnixFileMode)0b110_000_000, File.GetUnixFileMode(file));
                }

                Assert.True(File.Exists(path + "-wal"), "the store runs in WAL mode");
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static FormUrlEncodedContent Form(string value, string prevExist) =>
        new([new KeyValuePair<string, string>("value", value), new KeyValuePair<string, string>("prevExist", prevExist)]);
}
