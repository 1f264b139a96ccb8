namespace Keelson.CloudConfig;

/// <summary>What applying did to one path of the target root.</summary>
/// <param name="Path">The path as the target machine sees it.</param>
/// <param name="Action">wrote, unchanged, linked, created or removed.</param>
/// <param name="Detail">The link target of a link, the mode and owner of a written file.</param>
public sealed record AppliedChange(string Path, string Action, string? Detail)
{
    public override string ToString() => Detail is null ? $"{Action} {Path}" : $"{Action} {Path} ({Detail})";
}
