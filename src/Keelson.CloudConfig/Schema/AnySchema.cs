namespace Keelson.CloudConfig.Schema;

/// <summary>Anything; used for deprecated sections, which are reported once and otherwise ignored.</summary>
internal sealed record AnySchema : SchemaNode
{
    public override string TypeName => "any";
}
