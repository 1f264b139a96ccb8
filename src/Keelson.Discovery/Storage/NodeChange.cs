namespace Keelson.Discovery.Storage;

/// <summary>A change to make to one key: <see cref="Value"/> null deletes it.</summary>
internal sealed record NodeChange(string Action, string Key, string? Value);
