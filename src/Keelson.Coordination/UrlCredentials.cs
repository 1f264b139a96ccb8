using System.Net.Http.Headers;
using System.Text;

namespace Keelson.Coordination;

/// <summary>
/// A server URL with the credentials its user information carries (<c>https://machine:TOKEN@host/...</c>) taken out
/// and turned into HTTP basic authentication, as curl (and so update_engine and Zincati) sends them: one way to give a
/// machine its token that every client of the CoreOS world understands. <see cref="Url"/> is safe to show and log.
/// </summary>
public sealed record UrlCredentials(Uri Url, AuthenticationHeaderValue? Authorization)
{
    /// <summary>Splits <paramref name="url"/>; a URL without user information has no <see cref="Authorization"/>.</summary>
    public static UrlCredentials Of(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!url.IsAbsoluteUri || url.UserInfo.Length == 0)
        {
            return new UrlCredentials(url, null);
        }

        var bare = new UriBuilder(url) { UserName = "", Password = "" }.Uri;
        // Percent-escapes in the user information stand for the characters themselves, as curl reads them.
        var colon = url.UserInfo.IndexOf(':');
        var user = Uri.UnescapeDataString(colon < 0 ? url.UserInfo : url.UserInfo[..colon]);
        var password = colon < 0 ? "" : Uri.UnescapeDataString(url.UserInfo[(colon + 1)..]);
        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));
        return new UrlCredentials(bare, new AuthenticationHeaderValue("Basic", basic));
    }

    /// <summary>Adds the credentials, if any, to <paramref name="request"/>.</summary>
    public void Apply(HttpRequestMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (Authorization is not null)
        {
            request.Headers.Authorization = Authorization;
        }
    }
}
