namespace Keelson.Discovery.Storage;

/// <summary>A token's header as the etcd store keeps it (one key, rewritten by every change).</summary>
internal sealed record EtcdTokenRecord(int Size, long CreatedAt, long Index);
