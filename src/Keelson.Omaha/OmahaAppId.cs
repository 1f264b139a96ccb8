namespace Keelson.Omaha;

/// <summary>Helpers for Omaha application ids such as <c>{e96281a6-d1af-4bde-9a0a-97b76e56dc57}</c>.</summary>
public static class OmahaAppId
{
    /// <summary>The app id of CoreOS and Flatcar Container Linux, normalized.</summary>
    public const string CoreOS = "e96281a6-d1af-4bde-9a0a-97b76e56dc57";

    /// <summary>
    /// Strips surrounding whitespace and one pair of surrounding braces and lower-cases the rest
    /// (invariant), the way servers compare app ids: <c>" {E96281A6-...} "</c> becomes <c>"e96281a6-..."</c>.
    /// </summary>
    public static string Normalize(string appId)
    {
        ArgumentNullException.ThrowIfNull(appId);

        var span = appId.AsSpan().Trim();
        if (span.StartsWith('{'))
        {
            span = span[1..];
        }

        if (span.EndsWith('}'))
        {
            span = span[..^1];
        }

        span = span.Trim();

        // Most ids arrive already normalized from Keelson's own agent; keep the instance then.
        if (span.Length == appId.Length && !span.ContainsAnyExceptInRange('\0', '\x7F') && !span.ContainsAnyInRange('A', 'Z'))
        {
            return appId;
        }

        Span<char> lower = span.Length <= 256 ? stackalloc char[span.Length] : new char[span.Length];
        span.ToLowerInvariant(lower);
        return new string(lower);
    }
}
