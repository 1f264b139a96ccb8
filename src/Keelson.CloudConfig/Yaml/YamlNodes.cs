using Keelson.CloudConfig.Schema;

namespace Keelson.CloudConfig.Yaml;

/// <summary>Looking up keys the way cloud-config does: normalised, and the last of duplicate keys winning.</summary>
internal static class YamlNodes
{
    public static YamlEntry? Entry(this YamlNode? node, string key) =>
        node is YamlMapping mapping ? mapping.Entries.LastOrDefault(e => CloudConfigSchema.Normalize(e.Key) == key) : null;

    public static YamlNode? Child(this YamlNode? node, string key) => node.Entry(key)?.Value;

    /// <summary>The items of a sequence; nothing for anything else.</summary>
    public static IReadOnlyList<YamlNode> Items(this YamlNode? node) => node is YamlSequence sequence ? sequence.Items : [];

    /// <summary>A scalar that is set (not null).</summary>
    public static YamlScalar? SetScalar(this YamlNode? node) => node is YamlScalar { Kind: not ScalarKind.Null } scalar ? scalar : null;
}
