namespace Keelson.Discovery.Protocol;

/// <summary>
/// A node of the etcd v2 keys API as etcd members parse it: <c>key</c> is absolute (<c>/TOKEN/ID</c>); a leaf has
/// a <c>value</c>, a directory has <c>dir: true</c> and its children in <c>nodes</c>. Empty fields are omitted.
/// </summary>
internal sealed record V2Node(
    string Key,
    string? Value,
    bool? Dir,
    IReadOnlyList<V2Node>? Nodes,
    long ModifiedIndex,
    long CreatedIndex);
