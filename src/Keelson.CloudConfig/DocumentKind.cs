namespace Keelson.CloudConfig;

/// <summary>What a user-data file is, by its first line (an Ignition config by its JSON).</summary>
public enum DocumentKind
{
    /// <summary>Nothing at all.</summary>
    Empty,

    /// <summary>First line <c>#cloud-config</c>.</summary>
    CloudConfig,

    /// <summary>First line starting with <c>#!</c>: coreos-cloudinit would run it; Keelson does not.</summary>
    Script,

    /// <summary>
    /// An Ignition config (JSON with <c>ignitionVersion</c> or <c>ignition.version</c>): coreos-cloudinit leaves it to
    /// Ignition and does nothing, and so does Keelson; it is neither an error nor applied.
    /// </summary>
    Ignition,

    /// <summary>Anything else: a validation error.</summary>
    Unknown,
}
