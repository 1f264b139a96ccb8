using Keelson.Server.Storage;

namespace Keelson.Server.Payloads;

/// <summary>Where machines download a package from: under this server's public URL, or the package's external URL.</summary>
public sealed class PayloadUrls
{
    private string? _base;

    public PayloadUrls(Uri? publicUrl)
    {
        if (publicUrl is not null)
        {
            Bind(publicUrl);
        }
    }

    /// <summary>The server's public base URL; when none was configured, the address it listens on, once it is known.</summary>
    public Uri PublicUrl => new(Base);

    private string Base => _base ?? throw new InvalidOperationException("the server's public URL is not known before it listens");

    public void Bind(Uri publicUrl) => _base = publicUrl.AbsoluteUri.TrimEnd('/');

    /// <summary>Route of hosted payloads; the codebase is everything before the file name.</summary>
    public const string Route = "/v1/payloads/{packageId}/{fileName}";

    /// <summary>The Omaha codebase (ending in '/') and package name; the client downloads codebase + name.</summary>
    public (string Codebase, string Name) Locate(PackageRow package)
    {
        if (package.ExternalUrl is { } url)
        {
            var slash = url.LastIndexOf('/');
            return (url[..(slash + 1)], url[(slash + 1)..]);
        }

        return ($"{Base}/v1/payloads/{package.Id}/", package.FileName);
    }

    public string DownloadUrl(PackageRow package)
    {
        var (codebase, name) = Locate(package);
        return codebase + Uri.EscapeDataString(name);
    }
}
