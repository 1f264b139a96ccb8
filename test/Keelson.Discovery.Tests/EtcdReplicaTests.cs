namespace Keelson.Discovery.Tests;

/// <summary>Replicas on one etcd store.</summary>
public sealed class EtcdReplicaTests(EtcdFixture etcd) : ReplicaTests, IClassFixture<EtcdFixture>
{
    protected override TestStore CreateStore() => TestStore.Etcd(etcd.Cluster);
}
