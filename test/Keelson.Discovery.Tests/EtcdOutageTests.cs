using System.Net;
using Keelson.IntegrationTests.Harness;
using Keelson.TestSupport;

namespace Keelson.Discovery.Tests;

/// <summary>While the etcd store is down the service answers 5xx (members retry with backoff); it recovers by itself.</summary>
public sealed class EtcdOutageTests
{
    [Fact]
    public async Task An_etcd_outage_is_a_503_with_a_v2_error_and_the_service_recovers_when_etcd_is_back()
    {
        await using var cluster = await EtcdCluster.StartStaticAsync(1);
        using var store = TestStore.Etcd(cluster);
        await using var host = await DiscoveryHost.StartAsync(store);
        var token = await host.NewTokenAsync();
        await host.PutAsync($"/{token}/aaaa?prevExist=false", "infra0=http://10.0.1.10:2380");

        await cluster.Members[0].KillAsync();

        var health = await host.GetAsync("/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.Status);
        Assert.StartsWith("store unavailable: etcd at ", health.Body, StringComparison.Ordinal);
        foreach (var answer in new[]
        {
            await host.PutAsync($"/{token}/bbbb?prevExist=false", "infra1=http://10.0.1.11:2380"),
            await host.GetAsync("/new"),
        })
        {
            Assert.True(answer.Status == HttpStatusCode.ServiceUnavailable, answer.ToString());
            Assert.Equal(300, answer.ErrorCode);
            Assert.StartsWith("the discovery store failed: etcd at ", answer.Cause, StringComparison.Ordinal);
        }

        cluster.Members[0].Start();
        await cluster.WaitUntilHealthyAsync();

        await Eventually.HoldsAsync(async () => (await host.GetAsync("/health")).Status == HttpStatusCode.OK, "/health answers 200 again");
        var listed = await host.GetAsync($"/{token}");
        Assert.Equal(2, listed.Index);
        Assert.Equal(HttpStatusCode.Created, (await host.PutAsync($"/{token}/bbbb?prevExist=false", "infra1=http://10.0.1.11:2380")).Status);
    }
}
