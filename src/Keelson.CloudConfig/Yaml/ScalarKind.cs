namespace Keelson.CloudConfig.Yaml;

/// <summary>What a scalar is under YAML 1.1's implicit typing, as the Go YAML library coreos-cloudinit uses resolves it.</summary>
internal enum ScalarKind
{
    Null,
    Bool,
    Int,
    Float,
    String,
}
