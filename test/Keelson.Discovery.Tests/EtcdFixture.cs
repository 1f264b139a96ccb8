using Keelson.IntegrationTests.Harness;

namespace Keelson.Discovery.Tests;

/// <summary>One real single-member etcd for a test class; each test keeps to a key prefix of its own.</summary>
public sealed class EtcdFixture : IAsyncLifetime
{
    private EtcdCluster? _cluster;

    public EtcdCluster Cluster => _cluster ?? throw new InvalidOperationException("etcd has not started");

    public async Task InitializeAsync() => _cluster = await EtcdCluster.StartStaticAsync(1);

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
