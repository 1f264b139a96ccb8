namespace Keelson.CloudConfig.Yaml;

internal sealed record YamlSequence(int Line, IReadOnlyList<YamlNode> Items, int Size) : YamlNode(Line, Size);
