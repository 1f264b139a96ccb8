namespace Keelson.CloudConfig;

/// <summary>What a user-data file is, by its first line.</summary>
public enum DocumentKind
{
    /// <summary>Nothing at all.</summary>
    Empty,

    /// <summary>First line <c>#cloud-config</c>.</summary>
    CloudConfig,

    /// <summary>First line starting with <c>#!</c>: coreos-cloudinit would run it; Keelson does not.</summary>
    Script,

    /// <summary>Anything else: a validation error.</summary>
    Unknown,
}
