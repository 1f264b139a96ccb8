using Keelson.Omaha;

namespace Keelson.Server.Catalog;

/// <summary>Orders version strings as versions (1.9.0 before 1.10.0); anything that is not a version sorts first, as text.</summary>
public sealed class VersionOrder : IComparer<string>
{
    public static VersionOrder Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        var xIsVersion = OmahaVersion.TryParse(x, out var a);
        var yIsVersion = OmahaVersion.TryParse(y, out var b);
        return (xIsVersion, yIsVersion) switch
        {
            (true, true) => a.CompareTo(b),
            (false, false) => string.CompareOrdinal(x, y),
            (true, false) => 1,
            (false, true) => -1,
        };
    }
}
