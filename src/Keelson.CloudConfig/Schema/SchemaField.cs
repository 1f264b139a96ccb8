namespace Keelson.CloudConfig.Schema;

/// <summary>A known key: its type, why it is deprecated (if it is), and the environment variable it is written as.</summary>
internal sealed record SchemaField(string Name, SchemaNode Type, string? Deprecated = null, string? Env = null);
