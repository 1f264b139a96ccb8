namespace Keelson.CloudConfig.Model;

/// <summary>
/// A valid cloud-config's settings, bound from the document. Unset keys are null or empty. <c>Locksmith</c> and
/// <c>Etcd2</c> hold the keys that are set as (environment variable, value), in the order they are written out.
/// </summary>
internal sealed record CloudConfigData(
    string? Hostname,
    IReadOnlyList<string> SshAuthorizedKeys,
    IReadOnlyList<UserSpec> Users,
    IReadOnlyList<WriteFileSpec> WriteFiles,
    string? ManageEtcHosts,
    UpdateSpec Update,
    IReadOnlyList<(string Variable, string Value)> Locksmith,
    IReadOnlyList<(string Variable, string Value)> Etcd2,
    IReadOnlyList<UnitSpec> Units);
