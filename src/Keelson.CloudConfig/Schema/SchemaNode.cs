namespace Keelson.CloudConfig.Schema;

/// <summary>The expected shape of a cloud-config node; <see cref="TypeName"/> is what "incorrect type" messages name.</summary>
internal abstract record SchemaNode
{
    public abstract string TypeName { get; }
}
