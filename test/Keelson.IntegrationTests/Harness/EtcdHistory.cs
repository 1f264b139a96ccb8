using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Keelson.Coordination.Locks;

namespace Keelson.IntegrationTests.Harness;

/// <summary>What etcd itself remembers of a key: every value it had, read revision by revision (not from anyone's logs).</summary>
public static class EtcdHistory
{
    /// <summary>Every value the semaphore at <paramref name="key"/> had, from its creation to now.</summary>
    public static async Task<List<SemaphoreState>> SemaphoreAsync(EtcdCluster etcd, string key)
    {
        ArgumentNullException.ThrowIfNull(etcd);
        using var client = new EtcdClient(
            string.Join(',', etcd.Members.Where(m => m.IsRunning).Select(m => EtcdMember.Address(m.ClientUrl))),
            configureChannelOptions: options => options.Credentials = ChannelCredentials.Insecure);
        var now = await client.GetAsync(new RangeRequest { Key = ByteString.CopyFromUtf8(key) });
        var history = new List<SemaphoreState>();
        for (var revision = now.Kvs[0].CreateRevision; revision <= now.Header.Revision; revision++)
        {
            var then = await client.GetAsync(new RangeRequest { Key = ByteString.CopyFromUtf8(key), Revision = revision });
            if (then.Kvs is [var kv] && kv.ModRevision == revision)
            {
                history.Add(SemaphoreState.Parse(kv.Value.Span));
            }
        }

        return history;
    }
}
