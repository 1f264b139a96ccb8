using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;

namespace Keelson.Server.Dashboard;

/// <summary>
/// The outcome of a dashboard action, carried across its redirect (post, redirect, get) in a short-lived, protected
/// cookie and shown once by the next page.
/// </summary>
internal sealed class Flash(IDataProtectionProvider protection)
{
    private const string CookieName = "keelson_flash";

    private readonly IDataProtector _protector = protection.CreateProtector("Keelson.Dashboard.Flash");

    /// <summary>A message to show, and whether it reports a refusal.</summary>
    public sealed record Message(string Text, bool IsError);

    public void Set(HttpContext context, string text, bool isError)
    {
        var value = _protector.Protect((isError ? "E" : "I") + text);
        context.Response.Cookies.Append(CookieName, value, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            Path = "/",
            MaxAge = TimeSpan.FromMinutes(1),
        });
    }

    /// <summary>The message the last action left, once: reading it deletes the cookie.</summary>
    public Message? Take(HttpContext context)
    {
        if (!context.Request.Cookies.TryGetValue(CookieName, out var value) || value is null)
        {
            return null;
        }

        if (!context.Response.HasStarted)
        {
            context.Response.Cookies.Delete(CookieName, new CookieOptions { Path = "/" });
        }

        try
        {
            var text = _protector.Unprotect(value);
            return text.Length > 0 ? new Message(text[1..], text[0] == 'E') : null;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            // Made with another key or tampered with: shown as nothing.
            return null;
        }
    }
}
