using Keelson.Omaha;

namespace Keelson.Server.Catalog;

/// <summary>Rules for the names and versions that admin requests carry.</summary>
public static class Names
{
    /// <summary>Channel and group names: 1-64 of letters, digits, '-', '_' and '.', but not '.' or '..'.</summary>
    public static CatalogError? CheckName(string field, string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return CatalogError.Invalid(field, $"{field} is required");
        }

        if (name is "." or "..")
        {
            // Valid characters, but a URL path segment that clients and proxies resolve away: such a name could never be reached.
            return CatalogError.Invalid(field, $"{field} '{name}' is not allowed: '.' and '..' name no path segment of their own");
        }

        return name.Length <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
            ? null
            : CatalogError.Invalid(field, $"{field} '{Shorten(name)}' must be 1-64 letters, digits, '-', '_' or '.'");
    }

    /// <summary>A payload's file name as the Omaha client appends it to the codebase: no path, no escaping needed.</summary>
    public static CatalogError? CheckFileName(string field, string? name) =>
        string.IsNullOrEmpty(name) || name.Length > 255 || name is "." or ".."
            || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '+')
            ? CatalogError.Invalid(field, $"{field} '{Shorten(name ?? "")}' must be a file name of letters, digits, '-', '_', '.' or '+'")
            : null;

    public static CatalogError? CheckVersion(string field, string? version) =>
        OmahaVersion.TryParse(version, out _) && version!.Length <= 64
            ? null
            : CatalogError.Invalid(field, $"{field} '{Shorten(version ?? "")}' is not a version like 2512.2.0");

    public static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "...";
}
