namespace Keelson.CloudConfig.Yaml;

/// <summary>A mapping in document order; keys keep their spelling (normalisation is the schema's business).</summary>
internal sealed record YamlMapping(int Line, IReadOnlyList<YamlEntry> Entries, int Size) : YamlNode(Line, Size);
