namespace Keelson.CloudConfig.Schema;

internal enum ScalarType
{
    /// <summary>Any scalar: strings, and numbers and booleans taken as their text.</summary>
    String,
    Bool,
    Int,
}
