namespace Keelson.Discovery.Tests;

/// <summary>The protocol tests against the etcd store, on a real single-member etcd 3.4.</summary>
public sealed class EtcdKeysApiTests(EtcdFixture etcd) : KeysApiTests, IClassFixture<EtcdFixture>
{
    protected override TestStore CreateStore() => TestStore.Etcd(etcd.Cluster);
}
