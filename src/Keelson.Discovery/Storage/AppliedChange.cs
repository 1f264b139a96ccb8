namespace Keelson.Discovery.Storage;

/// <summary>
/// A change worked out against a snapshot, ready for a store to write: the token's next index, the node as it
/// becomes (null when deleted), the event, and the event that falls out of the history window (if any).
/// </summary>
internal sealed record AppliedChange(TokenInfo Token, StoredNode? Node, StoredEvent Event, long? ExpiredEventIndex)
{
    /// <summary>How many events a token keeps for watches, like etcd's v2 store.</summary>
    public const int HistoryLength = 1000;

    public static AppliedChange Work(TokenSnapshot snapshot, NodeChange change)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(change);
        var index = snapshot.Info.Index + 1;
        var previous = snapshot.Find(change.Key);
        var created = previous?.CreatedIndex ?? index;
        var node = change.Value is null ? null : new StoredNode(change.Key, change.Value, created, index);
        var expired = index - HistoryLength;
        return new AppliedChange(
            snapshot.Info with { Index = index },
            node,
            new StoredEvent(index, change.Action, change.Key, change.Value, created, previous),
            expired >= 1 ? expired : null);
    }

    /// <summary>The oldest index a watch can still be answered from when the token is at <paramref name="index"/>.</summary>
    public static long HistoryStart(long index) => Math.Max(1, index - HistoryLength + 1);
}
