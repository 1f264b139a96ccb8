using System.Text.RegularExpressions;

namespace Keelson.CloudConfig.Schema;

/// <summary>
/// A scalar value. <c>Valid</c> is the pattern a set value must match in full. <c>SingleLine</c> values end up in a
/// <c>KEY=value</c> file or a unit's <c>Environment=</c> line, where a line break would smuggle in settings of its own;
/// such values are refused. <c>SshKey</c> values become one line of <c>authorized_keys</c> each: white space around
/// them is trimmed, a line break inside is refused (the second line could carry a <c>command=</c> option).
/// </summary>
internal sealed record ScalarSchema(ScalarType Type, Regex? Valid = null, bool SingleLine = false, bool SshKey = false) : SchemaNode
{
    public override string TypeName => Type switch
    {
        ScalarType.Bool => "bool",
        ScalarType.Int => "int",
        ScalarType.Float => "float64",
        _ => "string",
    };
}
