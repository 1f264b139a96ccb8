namespace Keelson.Discovery.Storage;

/// <summary>A token's header: its cluster size, when it was created and its current index (its last event's).</summary>
internal sealed record TokenInfo(string Token, int Size, DateTimeOffset CreatedAt, long Index);
