namespace Keelson.Server.Api.Contracts;

/// <summary>A published version of an application. Hashes are base64, as Omaha carries them.</summary>
public sealed record PackageInfo(
    string Id,
    string AppId,
    string Version,
    string FileName,
    string Url,
    bool Hosted,
    long Size,
    string Sha1,
    string Sha256,
    DateTimeOffset CreatedAt);
