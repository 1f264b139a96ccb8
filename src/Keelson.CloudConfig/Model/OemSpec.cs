namespace Keelson.CloudConfig.Model;

/// <summary><c>coreos.oem</c>: written to /etc/oem-release when <paramref name="Id"/> is set.</summary>
internal sealed record OemSpec(string Id, string? Name, string? VersionId, string? HomeUrl, string? BugReportUrl);
