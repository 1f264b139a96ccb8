namespace Keelson.CloudConfig.Model;

/// <summary>One <c>write_files</c> item, its content already decoded.</summary>
internal sealed record WriteFileSpec(int Line, string? Path, byte[] Content, string? Permissions, string? Owner);
