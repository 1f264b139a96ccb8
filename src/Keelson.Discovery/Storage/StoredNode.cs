namespace Keelson.Discovery.Storage;

/// <summary>A key under a token: <see cref="Key"/> is relative to the token (<c>_config/size</c>, a member id).</summary>
internal sealed record StoredNode(string Key, string Value, long CreatedIndex, long ModifiedIndex);
