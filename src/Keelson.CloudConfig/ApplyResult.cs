namespace Keelson.CloudConfig;

/// <summary>
/// The outcome of applying a cloud-config: each path written or left as it was, and notes on what was not done (things a
/// running coreos-cloudinit would do that writing a root cannot: starting units, for one).
/// </summary>
public sealed record ApplyResult(IReadOnlyList<AppliedChange> Changes, IReadOnlyList<string> Notes);
