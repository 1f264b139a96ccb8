using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Keelson.Server.Dashboard;

/// <summary>
/// The dashboard's stylesheet and script, embedded in the assembly and served by the server itself (no CDN, no
/// build step). Pages link them with their content hash, so a browser may cache them for a year.
/// </summary>
internal sealed class DashboardAssets
{
    public const string Route = "/assets/{name}";

    private readonly Dictionary<string, Asset> _assets = new(StringComparer.Ordinal);

    public DashboardAssets()
    {
        var assembly = typeof(DashboardAssets).Assembly;
        foreach (var (name, type) in (ReadOnlySpan<(string, string)>)[("dashboard.css", "text/css; charset=utf-8"), ("dashboard.js", "text/javascript; charset=utf-8")])
        {
            using var stream = assembly.GetManifestResourceStream("Keelson.Dashboard." + name)
                ?? throw new InvalidOperationException($"the dashboard asset {name} is not embedded in {assembly.GetName().Name}");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var bytes = copy.ToArray();
            var hash = Convert.ToHexStringLower(SHA256.HashData(bytes))[..16];
            _assets[name] = new Asset(bytes, type, hash);
        }
    }

    /// <summary>The asset's URL with its content hash.</summary>
    public string Url(string name) => $"/assets/{name}?v={_assets[name].Hash}";

    public IResult Serve(HttpContext context, string name)
    {
        if (!_assets.TryGetValue(name, out var asset))
        {
            return Results.NotFound();
        }

        var etag = new EntityTagHeaderValue($"\"{asset.Hash}\"");
        context.Response.Headers.CacheControl = context.Request.Query["v"] == asset.Hash ? "public, max-age=31536000, immutable" : "no-cache";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        return Results.Bytes(asset.Bytes, asset.ContentType, entityTag: etag);
    }

    private sealed record Asset(byte[] Bytes, string ContentType, string Hash);
}
