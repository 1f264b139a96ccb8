namespace Keelson.Discovery.Storage;

/// <summary>
/// One change of a token, at <see cref="Index"/> (which is also the changed node's modified index). A delete has
/// no <see cref="Value"/>; <see cref="PrevNode"/> is the node before a set, update or delete.
/// </summary>
internal sealed record StoredEvent(long Index, string Action, string Key, string? Value, long CreatedIndex, StoredNode? PrevNode);
