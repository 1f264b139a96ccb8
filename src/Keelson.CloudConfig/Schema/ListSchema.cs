namespace Keelson.CloudConfig.Schema;

internal sealed record ListSchema(SchemaNode Element) : SchemaNode
{
    public override string TypeName => "[]" + Element.TypeName;
}
