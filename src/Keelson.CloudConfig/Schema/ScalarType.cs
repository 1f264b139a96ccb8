namespace Keelson.CloudConfig.Schema;

internal enum ScalarType
{
    /// <summary>Any scalar: strings, and numbers and booleans taken as their text.</summary>
    String,
    Bool,
    Int,

    /// <summary>A number: integers are accepted too, as coreos-cloudinit's float64 fields take them.</summary>
    Float,
}
