namespace Keelson.Server.Storage;

/// <summary>A row of <c>packages</c>: one version of an application's payload, hosted here or elsewhere.</summary>
public sealed class PackageRow
{
    public string Id { get; set; } = "";
    public string AppId { get; set; } = "";
    public string Version { get; set; } = "";
    public string FileName { get; set; } = "";
    /// <summary>Where the payload lives when it is not hosted by this server (the full URL of the file).</summary>
    public string? ExternalUrl { get; set; }
    public long Size { get; set; }
    /// <summary>Base64 SHA-1 of the payload, Omaha's <c>package/@hash</c>.</summary>
    public string Sha1 { get; set; } = "";
    /// <summary>Base64 SHA-256 of the payload, Omaha's <c>action/@sha256</c>.</summary>
    public string Sha256 { get; set; } = "";
    public long CreatedAt { get; set; }
}
