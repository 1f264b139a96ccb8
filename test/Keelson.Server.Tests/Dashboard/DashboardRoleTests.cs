using System.Net;
using System.Net.Http.Json;
using Keelson.Server.Api.Contracts;

namespace Keelson.Server.Tests.Dashboard;

/// <summary>The dashboard for each role: who may sign in, what the pages offer, what the actions allow.</summary>
public sealed class DashboardRoleTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private HttpClient Browser() =>
        new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = _server.BaseUrl };

    private async Task<bool> AlphaEnabledAsync() =>
        (await _server.Http.GetFromJsonAsync<GroupInfo>($"{_server.AppPath}/groups/alpha", TestServer.Json))!.UpdatesEnabled;

    private static async Task<HttpResponseMessage> PauseAlphaAsync(HttpClient browser) =>
        await browser.PostAsync("/ui/groups/alpha/pause", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["csrf"] = await DashboardSessionTests.CsrfAsync(browser, "/signin"),
        }));

    [Fact]
    public async Task A_viewer_sees_the_pages_without_their_actions_and_is_refused_an_action_on_the_server()
    {
        using var browser = Browser();
        await DashboardSessionTests.SignInAsync(browser, await _server.CreateTokenAsync("vera", "viewer"));

        var page = await browser.GetStringAsync("/groups/alpha");
        var refused = await PauseAlphaAsync(browser);

        Assert.Contains("data-signed-in=\"vera\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("/ui/groups/alpha/pause", page, StringComparison.Ordinal);
        Assert.DoesNotContain("/ui/groups/alpha/policy", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("this needs the role operator or admin; token 'vera' has the role viewer", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(await AlphaEnabledAsync());
    }

    [Fact]
    public async Task An_operators_action_is_recorded_with_its_token_and_address()
    {
        using var browser = Browser();
        await DashboardSessionTests.SignInAsync(browser, await _server.CreateTokenAsync("otto", "operator"));

        Assert.Contains("/ui/groups/alpha/pause", await browser.GetStringAsync("/groups/alpha"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await PauseAlphaAsync(browser)).StatusCode);

        Assert.False(await AlphaEnabledAsync());
        var pause = Assert.Single((await _server.ActivityAsync()).Items, a => a.Kind == "GroupPaused");
        Assert.Equal(("otto", "127.0.0.1"), (pause.By, pause.From));
        Assert.Contains("by otto from 127.0.0.1", await browser.GetStringAsync("/activity"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_machine_token_cannot_sign_in()
    {
        using var browser = Browser();

        var response = await DashboardSessionTests.SignInAsync(browser, await _server.CreateTokenAsync("rack-1", "machine"));

        Assert.Equal("/signin?error=machine&returnUrl=%2Fmachines", response.Headers.Location!.OriginalString);
        Assert.Contains("That is a machine&#x27;s token", await browser.GetStringAsync(response.Headers.Location), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task Revoking_a_token_ends_the_sessions_opened_with_it()
    {
        using var browser = Browser();
        await DashboardSessionTests.SignInAsync(browser, await _server.CreateTokenAsync("temp", "operator"));
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await _server.Http.DeleteAsync("/api/tokens/temp")).StatusCode);

        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PauseAlphaAsync(browser)).StatusCode);
        Assert.True(await AlphaEnabledAsync());
    }
}
