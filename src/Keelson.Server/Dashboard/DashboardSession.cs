using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Keelson.Server.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;

namespace Keelson.Server.Dashboard;

/// <summary>
/// The dashboard's sign-in: a token whose role may read (viewer, operator, admin), once, for an HttpOnly,
/// SameSite=Strict session cookie. The session carries the token's name, role and a fingerprint of its hash, so a
/// revoked token, or a server started with another admin token, ends every session opened with it.
/// </summary>
internal sealed class DashboardSession(TokenStore tokens)
{
    public const string Scheme = "keelson-dashboard";
    public const string CookieName = "keelson_session";
    public const string SignInPath = "/signin";

    private const string TokenClaim = "keelson:token";

    /// <summary>
    /// Opens a session when <paramref name="presented"/> is a token that may read the dashboard; otherwise leaves the
    /// response as it was and says why: unknown (null) or the role (a refusal).
    /// </summary>
    public async Task<SignInResult> SignInAsync(HttpContext context, string? presented)
    {
        var secret = presented?.Trim();
        if (await tokens.AuthenticateAsync(secret, context.RequestAborted) is not { } caller)
        {
            return SignInResult.Unknown;
        }

        if (!caller.Can(Permission.Read))
        {
            return SignInResult.Refused;
        }

        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.Name, caller.Name),
                new Claim(ClaimTypes.Role, Roles.Name(caller.Role)),
                new Claim(TokenClaim, Fingerprint(TokenStore.Hash(secret!))),
            ],
            Scheme);
        await context.SignInAsync(Scheme, new ClaimsPrincipal(identity));
        return SignInResult.SignedIn;
    }

    /// <summary>Refuses a session whose token is gone: revoked, or another admin token since a restart.</summary>
    public Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var name = context.Principal?.FindFirst(ClaimTypes.Name)?.Value;
        if (name is null || tokens.CurrentHash(name) is not { } hash || context.Principal?.FindFirst(TokenClaim)?.Value != Fingerprint(hash))
        {
            context.RejectPrincipal();
        }

        return Task.CompletedTask;
    }

    /// <summary>The signed-in caller of a request that passed the session check.</summary>
    public static Caller? CallerOf(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.Identity is { IsAuthenticated: true, Name: { } name } && Roles.TryParse(user.FindFirst(ClaimTypes.Role)?.Value, out var role)
            ? new Caller(name, role)
            : null;
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

    private static string Fingerprint(string tokenHash) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("keelson-dashboard\n" + tokenHash)))[..32];
}
