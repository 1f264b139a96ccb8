using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Keelson.Server.Api.Contracts;

namespace Keelson.Server.Tests.Dashboard;

/// <summary>The dashboard's sign-in and its refusals, over plain HTTP (the browser tests show the pages themselves).</summary>
public sealed partial class DashboardSessionTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    /// <summary>A browser-like client: keeps cookies, does not follow redirects.</summary>
    private HttpClient Browser() =>
        new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = _server.BaseUrl };

    internal static async Task<string> CsrfAsync(HttpClient browser, string page)
    {
        var html = await browser.GetStringAsync(page);
        return CsrfField().Match(html) is { Success: true } match ? match.Groups[1].Value : throw new Xunit.Sdk.XunitException($"no csrf field on {page}:\n{html}");
    }

    internal static async Task<HttpResponseMessage> SignInAsync(HttpClient browser, string token) =>
        await browser.PostAsync("/ui/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["csrf"] = await CsrfAsync(browser, "/signin"),
            ["token"] = token,
            ["returnUrl"] = "/machines",
        }));

    private async Task<bool> AlphaEnabledAsync() =>
        (await _server.Http.GetFromJsonAsync<GroupInfo>($"{_server.AppPath}/groups/alpha", TestServer.Json))!.UpdatesEnabled;

    [Fact]
    public async Task Pages_without_a_session_send_the_browser_to_sign_in()
    {
        using var browser = Browser();

        var response = await browser.GetAsync("/groups/alpha");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/signin?returnUrl=%2Fgroups%2Falpha", response.Headers.Location!.PathAndQuery);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/ui/live")).StatusCode);
    }

    [Fact]
    public async Task The_admin_token_opens_an_HttpOnly_SameSite_Strict_session_and_returns_to_the_page_asked_for()
    {
        using var browser = Browser();

        var response = await SignInAsync(browser, TestServer.Token);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/machines", response.Headers.Location!.OriginalString);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("keelson_session=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/machines")).StatusCode);
    }

    [Fact]
    public async Task A_wrong_token_is_refused_with_a_message_and_opens_no_session()
    {
        using var browser = Browser();

        var response = await SignInAsync(browser, "not-the-token");

        Assert.Equal("/signin?error=wrong&returnUrl=%2Fmachines", response.Headers.Location!.OriginalString);
        Assert.DoesNotContain(response.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies : [], c => c.StartsWith("keelson_session=", StringComparison.Ordinal));
        Assert.Contains("That token is not known here.", await browser.GetStringAsync(response.Headers.Location), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task An_action_without_the_anti_forgery_token_is_refused_and_changes_nothing()
    {
        using var browser = Browser();
        await SignInAsync(browser, TestServer.Token);

        var forged = await browser.PostAsync("/ui/groups/alpha/pause", new FormUrlEncodedContent(new Dictionary<string, string>()));

        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.True(await AlphaEnabledAsync());
        var real = await browser.PostAsync("/ui/groups/alpha/pause", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["csrf"] = await CsrfAsync(browser, "/groups/alpha"),
        }));
        Assert.Equal("/groups/alpha", real.Headers.Location!.OriginalString);
        Assert.False(await AlphaEnabledAsync());
        Assert.Contains("Group alpha paused", await browser.GetStringAsync("/groups/alpha"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_action_without_a_session_is_refused()
    {
        using var browser = Browser();
        var csrf = await CsrfAsync(browser, "/signin");

        var response = await browser.PostAsync("/ui/groups/alpha/pause", new FormUrlEncodedContent(new Dictionary<string, string> { ["csrf"] = csrf }));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.True(await AlphaEnabledAsync());
    }

    [Fact]
    public async Task A_refused_policy_change_says_which_field_was_wrong()
    {
        using var browser = Browser();
        await SignInAsync(browser, TestServer.Token);

        var response = await browser.PostAsync("/ui/groups/alpha/policy", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["csrf"] = await CsrfAsync(browser, "/groups/alpha"),
            ["safeMode"] = "true",
            ["period"] = "every now and then",
        }));

        Assert.Equal("/groups/alpha", response.Headers.Location!.OriginalString);
        var page = await browser.GetStringAsync("/groups/alpha");
        Assert.Contains("period &#x27;every now and then&#x27; must be a duration", page, StringComparison.Ordinal);
        Assert.False((await _server.Http.GetFromJsonAsync<GroupInfo>($"{_server.AppPath}/groups/alpha", TestServer.Json))!.SafeMode);
    }

    [Theory]
    [InlineData(TestServer.Token, HttpStatusCode.OK)]
    [InlineData("9b2e6d41c7a8f03e5d1b9c62a7f4e80d3c5a1b7e9f2d46c80a3e7b15d9f2c64a", HttpStatusCode.Redirect)]
    public async Task A_session_holds_across_a_restart_only_while_the_admin_token_is_the_same(string token, HttpStatusCode expected)
    {
        var cookies = new CookieContainer();
        using (var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies }) { BaseAddress = _server.BaseUrl })
        {
            await SignInAsync(browser, TestServer.Token);
        }

        // The restarted server keeps its data folder, and so its cookie keys.
        var data = Directory.CreateTempSubdirectory("keelson-dashboard-test-").FullName;
        CopyDirectory(Path.Combine(_server.DataDirectory, "dashboard-keys"), Path.Combine(data, "dashboard-keys"));
        await using var restarted = await TestServer.StartAsync(options => options.AdminToken = token, data);
        var moved = new CookieContainer();
        foreach (Cookie cookie in cookies.GetAllCookies())
        {
            moved.Add(restarted.BaseUrl, new Cookie(cookie.Name, cookie.Value));
        }

        using var again = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = moved }) { BaseAddress = restarted.BaseUrl };
        Assert.Equal(expected, (await again.GetAsync("/")).StatusCode);
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }

    [GeneratedRegex("name=\"csrf\" value=\"([^\"]+)\"")]
    private static partial Regex CsrfField();
}
