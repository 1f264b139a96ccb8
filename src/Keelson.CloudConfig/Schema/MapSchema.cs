namespace Keelson.CloudConfig.Schema;

/// <summary>A mapping with known keys (already normalised: <c>_</c>, never <c>-</c>), in the order they are written out.</summary>
internal sealed record MapSchema(IReadOnlyList<SchemaField> Fields) : SchemaNode
{
    public override string TypeName => "struct";

    public SchemaField? Find(string name) => Fields.FirstOrDefault(f => f.Name == name);
}
