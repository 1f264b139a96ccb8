using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Keelson.Server.Api.Contracts;

namespace Keelson.Server.Tests;

/// <summary>
/// Omaha clients other than Keelson's agent, through the real server with the sample documents of
/// test/samples/omaha: go-omaha's client (finds its app by exact id, names itself by userid), older Omaha clients
/// (userid on the app) and update_engine forcing an update (version="ForcedUpdate").
/// </summary>
public sealed partial class OmahaCompatibilityTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task The_answer_names_the_app_exactly_as_the_client_spelled_it()
    {
        var (_, bytes) = await _server.PublishAsync("2605.10.0", size: 50_000);
        await _server.SetChannelAsync("stable", "2605.10.0");
        var request = OmahaXml.Sample("request-braced-appid.xml");
        var sent = SentAppId(request);
        Assert.Equal("{E96281A6-D1AF-4BDE-9A0A-97B76E56DC57}", sent);

        var (status, body, text) = await _server.PostOmahaAsync(request);

        Assert.True(status == HttpStatusCode.OK, text);
        // What go-omaha's client does: look the app up by the exact id it sent.
        var app = Assert.Single(body!.Root!.Elements("app"), a => a.Attribute("appid")!.Value == sent);
        Assert.Equal("ok", app.Attribute("status")!.Value);
        var package = app.Element("updatecheck")!.Element("manifest")!.Element("packages")!.Element("package")!;
        Assert.Equal(Convert.ToBase64String(SHA1.HashData(bytes)), package.Attribute("hash")!.Value);
        Assert.Equal(Convert.ToBase64String(SHA256.HashData(bytes)), package.Attribute("hash_sha256")!.Value);
        var action = app.Element("updatecheck")!.Element("manifest")!.Element("actions")!.Element("action")!;
        Assert.Equal(package.Attribute("hash_sha256")!.Value, action.Attribute("sha256")!.Value);
        // Still one machine of the one app, whatever the spelling.
        Assert.Equal("UpdateGranted", (await _server.InstanceAsync("5d1c0e4a9b2f47c68e3a71f0c2b94d18")).Instance.Status);
    }

    [Theory]
    [InlineData("request-userid.xml", "7a8c3f21d04e4b6f9e15a2c6b3d8f409")]
    [InlineData("request-app-userid.xml", "{b36f0c52-71d4-4e9a-8c2f-5e1d3a7b9046}")]
    public async Task A_client_without_machineid_is_known_by_its_userid(string sample, string machineId)
    {
        await _server.PublishAsync("2605.10.0");
        await _server.SetChannelAsync("stable", "2605.10.0");
        var request = OmahaXml.Sample(sample);

        var (status, body, text) = await _server.PostOmahaAsync(request);

        Assert.True(status == HttpStatusCode.OK, text);
        var app = Assert.Single(body!.Root!.Elements("app"), a => a.Attribute("appid")!.Value == SentAppId(request));
        Assert.Equal("ok", app.Element("updatecheck")!.Attribute("status")!.Value);
        var instance = Assert.Single((await InstancesAsync()).Items);
        Assert.Equal(machineId, instance.MachineId);
        Assert.Equal("UpdateGranted", instance.Status);
    }

    [Fact]
    public async Task A_request_naming_the_machine_nowhere_gets_400_naming_machineid_and_userid_and_changes_nothing()
    {
        var (status, _, text) = await _server.PostOmahaAsync(OmahaXml.Sample("request-without-identity.xml"));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("<app> has no 'machineid' and no 'userid', nor has <request> a 'userid': one of them must name the machine\n", text);
        Assert.Equal(0, (await InstancesAsync()).Total);
    }

    [Fact]
    public async Task A_forced_update_is_offered_the_channels_release()
    {
        await _server.PublishAsync("2512.2.0");
        await _server.SetChannelAsync("stable", "2512.2.0");

        // Forced on a machine that may well run 2512.2.0 already: it is offered the channel's release all the same.
        var app = await CheckForcedAsync();

        var check = app.Element("updatecheck")!;
        Assert.Equal("ok", check.Attribute("status")!.Value);
        Assert.Equal("2512.2.0", check.Element("manifest")!.Attribute("version")!.Value);
        var instance = (await _server.InstanceAsync(ForcedMachine)).Instance;
        Assert.Equal(("ForcedUpdate", "UpdateGranted", "2512.2.0"), (instance.Version, instance.Status, instance.UpdateVersion));
    }

    [Fact]
    public async Task A_forced_update_is_held_by_the_rollout_policy_like_any_machine_behind()
    {
        await _server.PublishAsync("2605.10.0");
        await _server.SetChannelAsync("stable", "2605.10.0");
        Assert.True((await _server.Http.PostAsync($"{_server.AppPath}/groups/stable/pause", null)).IsSuccessStatusCode);

        var app = await CheckForcedAsync();

        Assert.Equal("noupdate", app.Element("updatecheck")!.Attribute("status")!.Value);
        var instance = (await _server.InstanceAsync(ForcedMachine)).Instance;
        Assert.Equal(("ForcedUpdate", "OnHold"), (instance.Version, instance.Status));
        Assert.Contains("paused", instance.StatusReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_machine_that_forced_an_update_shows_its_version_word_on_the_api_and_the_dashboard()
    {
        await _server.PublishAsync("2605.10.0");
        await _server.SetChannelAsync("stable", "2605.10.0");
        await _server.CheckAsync("aa00000000000000000000000000000a", "2605.10.0");
        Assert.True((await _server.Http.PostAsync($"{_server.AppPath}/groups/stable/pause", null)).IsSuccessStatusCode);
        await CheckForcedAsync();

        var rollout = (await _server.Http.GetFromJsonAsync<GroupRollout>($"{_server.AppPath}/groups/stable/rollout", TestServer.Json))!;
        using var browser = await SignedInBrowserAsync();
        var machinePage = await browser.GetAsync($"/machines/{ForcedMachine}");
        var groupPage = await browser.GetAsync("/groups/stable");

        Assert.Equal((2, 1, 1), (rollout.Progress.Total, rollout.Progress.OnTarget, rollout.Progress.OnHold));
        // Not a version: listed before every version, as the version order places anything that is not one.
        Assert.Equal(["ForcedUpdate", "2605.10.0"], rollout.Progress.Versions.Select(v => v.Name));
        Assert.Equal(HttpStatusCode.OK, machinePage.StatusCode);
        Assert.Contains("ForcedUpdate", await machinePage.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, groupPage.StatusCode);
    }

    private const string ForcedMachine = "c4f2a81e6d3b49e0a7f5c2d8e1b3a960";

    private async Task<XElement> CheckForcedAsync()
    {
        var (status, body, text) = await _server.PostOmahaAsync(OmahaXml.Sample("request-forced-update.xml"));
        Assert.True(status == HttpStatusCode.OK, text);
        return body!.Root!.Element("app")!;
    }

    private async Task<Page<InstanceInfo>> InstancesAsync() =>
        (await _server.Http.GetFromJsonAsync<Page<InstanceInfo>>($"{_server.AppPath}/instances", TestServer.Json))!;

    private static string SentAppId(string request) => XDocument.Parse(request).Root!.Element("app")!.Attribute("appid")!.Value;

    private async Task<HttpClient> SignedInBrowserAsync()
    {
        var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = _server.BaseUrl };
        var html = await browser.GetStringAsync("/signin");
        var csrf = CsrfField().Match(html).Groups[1].Value;
        var signedIn = await browser.PostAsync("/ui/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["csrf"] = csrf,
            ["token"] = TestServer.Token,
            ["returnUrl"] = "/machines",
        }));
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        return browser;
    }

    [GeneratedRegex("name=\"csrf\" value=\"([^\"]+)\"")]
    private static partial Regex CsrfField();
}
