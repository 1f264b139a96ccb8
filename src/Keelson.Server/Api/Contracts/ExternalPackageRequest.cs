namespace Keelson.Server.Api.Contracts;

/// <summary>Registers a payload hosted elsewhere: its full URL, size and base64 SHA-1 and SHA-256.</summary>
public sealed record ExternalPackageRequest(string? Version, string? Url, long Size, string? Sha1, string? Sha256);
