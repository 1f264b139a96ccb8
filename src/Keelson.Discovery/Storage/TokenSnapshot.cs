using Keelson.Discovery.Protocol;

namespace Keelson.Discovery.Storage;

/// <summary>A token and all its keys (hidden ones included) as of one index, ordered by created index.</summary>
internal sealed record TokenSnapshot(TokenInfo Info, IReadOnlyList<StoredNode> Nodes)
{
    /// <summary>Registered members: the keys that are not hidden.</summary>
    public int MemberCount => Nodes.Count(n => !KeyNames.IsHidden(n.Key));

    public StoredNode? Find(string key) => Nodes.FirstOrDefault(n => n.Key == key);
}
