using System.Net;

namespace Keelson.Discovery.Tests;

/// <summary>
/// Several discovery replicas on one shared store serve one token space: <see cref="EtcdReplicaTests"/> and
/// <see cref="PostgresReplicaTests"/> run every test here.
/// </summary>
public abstract class ReplicaTests : IAsyncLifetime
{
    private readonly List<DiscoveryHost> _hosts = [];
    private TestStore _store = null!;

    /// <summary>A shared store of the kind the derived class tests, new for the calling test.</summary>
    protected abstract TestStore CreateStore();

    [Fact]
    public async Task A_watch_held_by_one_replica_sees_a_registration_made_through_another()
    {
        var (a, b) = (await StartAsync(), await StartAsync());
        var token = await a.NewTokenAsync(2);
        Assert.Equal(HttpStatusCode.Created, (await b.PutAsync($"/{token}/aaaa?prevExist=false", "infra0=http://10.0.1.10:2380")).Status);
        Assert.Equal(2, (await a.GetAsync($"/{token}")).Index);

        var watch = a.GetAsync($"/{token}?recursive=true&wait=true&waitIndex=3");
        var put = await b.PutAsync($"/{token}/bbbb?prevExist=false", "infra1=http://10.0.1.11:2380");
        var seen = await watch;

        Assert.Equal(HttpStatusCode.Created, put.Status);
        Assert.Equal(HttpStatusCode.OK, seen.Status);
        Assert.Equal($"/{token}/bbbb", seen.Node.GetProperty("key").GetString());
        Assert.Equal(3, seen.Node.GetProperty("modifiedIndex").GetInt64());
    }

    [Fact]
    public async Task Concurrent_registrations_through_two_replicas_never_share_an_index()
    {
        var (a, b) = (await StartAsync(), await StartAsync());
        var token = await a.NewTokenAsync(16);

        var answers = await Task.WhenAll(Enumerable.Range(0, 16).Select(i =>
            (i % 2 == 0 ? a : b).PutAsync($"/{token}/member{i}?prevExist=false", $"m{i}=http://10.0.0.{i}:2380")));

        Assert.All(answers, answer => Assert.Equal(HttpStatusCode.Created, answer.Status));
        Assert.Equal(Enumerable.Range(2, 16).Select(i => (long)i), answers.Select(answer => answer.Node.GetProperty("createdIndex").GetInt64()).Order());
        // The same registration twice, through each replica: exactly one wins.
        var twice = await Task.WhenAll(a.PutAsync($"/{token}/late?prevExist=false", "x=http://10.0.0.98:2380"), b.PutAsync($"/{token}/late?prevExist=false", "y=http://10.0.0.99:2380"));
        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.PreconditionFailed], twice.Select(answer => answer.Status).Order());
        var listed = await b.GetAsync($"/{token}");
        Assert.Equal(18, listed.Index);
        Assert.Equal(17, listed.Node.GetProperty("nodes").GetArrayLength());
    }

    public Task InitializeAsync()
    {
        _store = CreateStore();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }

        _store.Dispose();
    }

    private async Task<DiscoveryHost> StartAsync()
    {
        var host = await DiscoveryHost.StartAsync(_store);
        _hosts.Add(host);
        return host;
    }
}
