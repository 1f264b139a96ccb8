using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;

namespace Keelson.Server.Dashboard;

/// <summary>
/// The dashboard's sign-in: the admin token, once, for an HttpOnly, SameSite=Strict session cookie. The session
/// carries a fingerprint of the token it was opened with, so a server started with another token ends every session.
/// </summary>
internal sealed class DashboardSession(string adminToken)
{
    public const string Scheme = "keelson-dashboard";
    public const string CookieName = "keelson_session";
    public const string SignInPath = "/signin";

    private const string TokenClaim = "keelson:token";

    private readonly string _fingerprint = Fingerprint(adminToken);

    /// <summary>Opens a session when <paramref name="presented"/> is the admin token; false leaves the response as it was.</summary>
    public async Task<bool> SignInAsync(HttpContext context, string? presented)
    {
        if (!AdminToken.Matches(adminToken, presented?.Trim()))
        {
            return false;
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "admin"), new Claim(TokenClaim, _fingerprint)], Scheme);
        await context.SignInAsync(Scheme, new ClaimsPrincipal(identity));
        return true;
    }

    /// <summary>Refuses a session opened with another admin token (the server was restarted with a new one).</summary>
    public Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        if (context.Principal?.FindFirst(TokenClaim)?.Value != _fingerprint)
        {
            context.RejectPrincipal();
        }

        return Task.CompletedTask;
    }

    public static void ConfigureCookie(CookieAuthenticationOptions cookie)
    {
        cookie.Cookie.Name = CookieName;
        cookie.Cookie.HttpOnly = true;
        cookie.Cookie.SameSite = SameSiteMode.Strict;
        cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        cookie.Cookie.Path = "/";
        cookie.LoginPath = SignInPath;
        cookie.ReturnUrlParameter = "returnUrl";
        cookie.ExpireTimeSpan = TimeSpan.FromHours(12);
        cookie.SlidingExpiration = true;
    }

    /// <summary>A local path to go back to after signing in; anything else (another site, a scheme) becomes the overview.</summary>
    public static string LocalPath(string? returnUrl) =>
        returnUrl is { Length: > 0 } url && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal)
            ? url
            : "/";

    private static string Fingerprint(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("keelson-dashboard\n" + token)))[..32];
}
