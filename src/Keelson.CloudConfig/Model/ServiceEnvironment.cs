namespace Keelson.CloudConfig.Model;

/// <summary>
/// The set keys of a <c>coreos</c> section (etcd, etcd2, flannel, fleet, locksmith) as (environment variable, value) in
/// the order they are written, for the runtime drop-in <c>20-cloudinit.conf</c> of <paramref name="Unit"/>.
/// </summary>
internal sealed record ServiceEnvironment(string Unit, IReadOnlyList<(string Variable, string Value)> Variables);
