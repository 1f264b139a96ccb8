namespace Keelson.CloudConfig.Model;

/// <summary>
/// A valid cloud-config's settings, bound from the document. Unset keys are null or empty. <c>Locksmith</c> holds
/// its keys that are set as (environment variable, value); <c>ServiceEnvironments</c> the same for each service's drop-in.
/// </summary>
internal sealed record CloudConfigData(
    string? Hostname,
    IReadOnlyList<string> SshAuthorizedKeys,
    IReadOnlyList<UserSpec> Users,
    IReadOnlyList<WriteFileSpec> WriteFiles,
    string? ManageEtcHosts,
    UpdateSpec Update,
    IReadOnlyList<(string Variable, string Value)> Locksmith,
    IReadOnlyList<ServiceEnvironment> ServiceEnvironments,
    OemSpec? Oem,
    IReadOnlyList<UnitSpec> Units);
