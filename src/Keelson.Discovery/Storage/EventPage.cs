namespace Keelson.Discovery.Storage;

/// <summary>A token's current header and its retained events from some index on, in index order.</summary>
internal sealed record EventPage(TokenInfo Info, IReadOnlyList<StoredEvent> Events);
