namespace Keelson.CloudConfig.Yaml;

/// <summary>A node of a parsed YAML document, with the line (1-based) where it starts.</summary>
/// <param name="Line">The line of the node's first character.</param>
/// <param name="Size">Nodes in this subtree, aliases expanded; bounds the work of walking it.</param>
internal abstract record YamlNode(int Line, int Size)
{
    /// <summary>Mappings and sequences on the longest path down from this node, itself included (0 for a scalar).</summary>
    public int Height { get; init; }
}
