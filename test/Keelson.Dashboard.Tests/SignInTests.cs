using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Keelson.Dashboard.Tests;

/// <summary>Who may see the dashboard and act on it: a session opened with the admin token, and forms of the dashboard's own.</summary>
[Collection(DashboardCollection.Name)]
[Trait("Category", "Browser")]
public sealed class SignInTests(BrowserFixture browser, ITestOutputHelper log)
{
    [Fact]
    public async Task Without_a_session_pages_lead_to_the_sign_in_form_and_actions_are_refused()
    {
        await using var server = await DashboardServer.StartAsync(log);
        await using var session = await DashboardBrowser.OpenAsync(browser, server, log);
        var page = session.Page;

        foreach (var path in new[] { "/", "/machines" })
        {
            await page.GotoAsync(path);
            await Expect(page).ToHaveURLAsync(new Regex("/signin\\?returnUrl=" + Regex.Escape(Uri.EscapeDataString(path)) + "$"));
            await Expect(page.Locator("#token")).ToBeVisibleAsync();
        }

        await session.ScreenshotAsync("signin");

        using var refused = await server.Http.PostAsync("/ui/groups/alpha/pause", new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.True((await server.GroupAsync("alpha")).GetProperty("updatesEnabled").GetBoolean(), "a refused pause paused the group");
    }

    [Fact]
    public async Task A_wrong_token_is_refused_with_a_message_and_the_right_one_opens_a_session_until_sign_out()
    {
        await using var server = await DashboardServer.StartAsync(log);
        await using var session = await DashboardBrowser.OpenAsync(browser, server, log);
        var page = session.Page;

        await page.GotoAsync("/signin");
        await page.Locator("#token").FillAsync("not-" + server.Token);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/signin\\?error=wrong$"));
        await Expect(page.Locator("p.flash.error")).ToHaveTextAsync("That token is not known here.");
        Assert.DoesNotContain(await session.Context.CookiesAsync(), cookie => cookie.Name == "keelson_session");

        await session.SignInAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("Fleet overview");
        var cookie = Assert.Single(await session.Context.CookiesAsync(), c => c.Name == "keelson_session");
        Assert.True(cookie.HttpOnly, "the session cookie is readable by scripts");
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/signin\\?signedOut=1$"));
        await Expect(page.Locator("p.flash")).ToHaveTextAsync("Signed out.");
        await page.GotoAsync("/machines");
        await Expect(page).ToHaveURLAsync(new Regex("/signin\\?returnUrl=%2Fmachines$"));
    }

    [Fact]
    public async Task An_action_with_the_session_but_without_the_anti_forgery_token_is_refused_and_changes_nothing()
    {
        await using var server = await DashboardServer.StartAsync(log);
        await using var session = await DashboardBrowser.OpenAsync(browser, server, log);
        await session.SignInAsync("/groups/alpha");
        var sessionCookie = Assert.Single(await session.Context.CookiesAsync(), c => c.Name == "keelson_session");

        // The session cookie alone, as a forged form post would carry it if the browser sent it along.
        using var forged = new HttpRequestMessage(HttpMethod.Post, "/ui/groups/alpha/pause")
        {
            Content = new FormUrlEncodedContent([]),
        };
        forged.Headers.Add("Cookie", $"{sessionCookie.Name}={sessionCookie.Value}");
        using var refused = await server.Http.SendAsync(forged);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);

        // From the dashboard's own page, with every cookie it has, but without the form's hidden field.
        var status = await session.Page.EvaluateAsync<int>(
            "async () => (await fetch('/ui/groups/alpha/pause', { method: 'POST', body: new URLSearchParams(), redirect: 'manual' })).status");
        Assert.Equal(400, status);

        Assert.True((await server.GroupAsync("alpha")).GetProperty("updatesEnabled").GetBoolean(), "a refused pause paused the group");
        await session.GotoAsync("/groups/alpha");
        await Expect(session.Page.Locator("[data-state]")).ToHaveAttributeAsync("data-state", "enabled");
    }
}
