using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Keelson.Server.Api.Contracts;

namespace Keelson.Server.Tests;

public sealed class CatalogApiTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<List<ChannelInfo>> ChannelsAsync() =>
        (await _server.ListAsync<ChannelInfo>($"{_server.AppPath}/channels"));

    [Fact]
    public async Task A_fresh_server_holds_the_CoreOS_app_with_alpha_beta_stable_channels_and_groups()
    {
        var apps = await _server.ListAsync<ApplicationInfo>("/api/apps");
        var groups = await _server.ListAsync<GroupInfo>($"{_server.AppPath}/groups");

        Assert.Equal(TestServer.CoreOsApp, Assert.Single(apps!).Id);
        Assert.Equal(["alpha", "beta", "stable"], (await ChannelsAsync()).Select(c => c.Name));
        Assert.Equal(["alpha", "beta", "stable"], groups!.Select(g => g.Name));
        Assert.All(groups!, g => Assert.Equal(g.Name, g.Channel));
    }

    [Fact]
    public async Task Promote_copies_the_package_not_the_bytes()
    {
        var (package, _) = await _server.PublishAsync("2605.10.0");
        await _server.SetChannelAsync("beta", "2605.10.0");

        var response = await _server.Http.PostAsJsonAsync($"{_server.AppPath}/channels/stable/promote", new PromoteRequest("beta"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var channels = await ChannelsAsync();
        Assert.Equal(package.Id, channels.Single(c => c.Name == "stable").PackageId);
        Assert.Equal(package.Id, channels.Single(c => c.Name == "beta").PackageId);
        var beta = (await _server.CheckAsync("m1", "2512.2.0", track: "beta")).Element("updatecheck")!.ToString();
        var stable = (await _server.CheckAsync("m2", "2512.2.0", track: "stable")).Element("updatecheck")!.ToString();
        Assert.Equal(beta, stable);
        Assert.Single(Directory.GetFiles(Path.Combine(_server.DataDirectory, "payloads")));
        Assert.Contains((await _server.ActivityAsync()).Items, a => a.Kind == "ChannelPackageUpdated" && a.Message.Contains("promoted from beta", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_promotion_to_an_older_version_is_refused_unless_forced()
    {
        await _server.PublishAsync("2605.10.0");
        await _server.PublishAsync("2512.2.0");
        await _server.SetChannelAsync("stable", "2605.10.0");
        await _server.SetChannelAsync("beta", "2512.2.0");

        var refused = await _server.Http.PostAsJsonAsync($"{_server.AppPath}/channels/stable/promote", new PromoteRequest("beta"));
        var setRefused = await _server.Http.PutAsJsonAsync($"{_server.AppPath}/channels/stable", new SetChannelRequest("2512.2.0"));

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("needs force", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, setRefused.StatusCode);
        Assert.Equal("2605.10.0", (await ChannelsAsync()).Single(c => c.Name == "stable").Version);

        var forced = await _server.Http.PostAsJsonAsync($"{_server.AppPath}/channels/stable/promote", new PromoteRequest("beta", Force: true));
        Assert.Equal(HttpStatusCode.OK, forced.StatusCode);
        Assert.Equal("2512.2.0", (await ChannelsAsync()).Single(c => c.Name == "stable").Version);
    }

    [Fact]
    public async Task A_version_is_published_once()
    {
        await _server.PublishAsync("2605.10.0");
        using var content = new ByteArrayContent([1, 2, 3]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");

        var again = await _server.Http.PostAsync($"{_server.AppPath}/packages?version=2605.10.0&name=x.gz", content);

        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Single(Directory.GetFiles(Path.Combine(_server.DataDirectory, "payloads")));
    }

    public static TheoryData<string, string, string, string> InvalidRequests => new()
    {
        { "PUT", "channels/stable", """{"version":"not-a-version"}""", "version" },
        { "PUT", "channels/stable", """{"version":""", "version" },
        { "PUT", "channels/stable", """[1,2]""", "body" },
        { "PUT", "channels/stable", """{"version":12}""", "version" },
        { "PATCH", "groups/stable", """{"windows":["Someday 09:00 8h"]}""", "windows" },
        { "PATCH", "groups/stable", """{"windows":["Mon 25:00 8h"]}""", "windows" },
        { "PATCH", "groups/stable", """{"timeZone":"Mars/Olympus"}""", "timeZone" },
        { "PATCH", "groups/stable", """{"period":"soon"}""", "period" },
        { "PATCH", "groups/stable", """{"ramp":"-1h"}""", "ramp" },
        { "PATCH", "groups/stable", """{"maxUpdatesPerPeriod":-1}""", "maxUpdatesPerPeriod" },
        { "POST", "groups", """{"name":"bad name!","channel":"stable"}""", "name" },
        { "POST", "groups", """{"name":"g","channel":"nope"}""", "channel" },
        { "POST", "channels/stable/promote", """{}""", "from" },
        { "POST", "packages", """{"version":"1.0.0","url":"ftp://x/y","size":1,"sha1":"AAAAAAAAAAAAAAAAAAAAAAAAAAA=","sha256":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}""", "url" },
        { "POST", "packages", """{"version":"1.0.0","url":"https://x/y.gz","size":1,"sha1":"short","sha256":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}""", "sha1" },
        { "POST", "packages", """{"version":"1.0.0","url":"https://x/y.gz","size":0,"sha1":"AAAAAAAAAAAAAAAAAAAAAAAAAAA=","sha256":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}""", "size" },
    };

    [Theory]
    [MemberData(nameof(InvalidRequests))]
    public async Task Bad_input_gets_400_with_a_problem_document_naming_the_field_and_changes_nothing(string method, string path, string json, string field)
    {
        var before = await _server.Http.GetStringAsync($"{_server.AppPath}/groups");
        using var request = new HttpRequestMessage(new HttpMethod(method), $"{_server.AppPath}/{path}")
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };

        var response = await _server.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.NotNull(problem["errors"]![field]);
        Assert.Equal(before, await _server.Http.GetStringAsync($"{_server.AppPath}/groups"));
        Assert.Empty((await _server.ListAsync<PackageInfo>($"{_server.AppPath}/packages")));
    }

    [Fact]
    public async Task A_chunked_JSON_body_over_1_MiB_is_refused()
    {
        var json = "{\"name\":\"" + new string('a', 2 << 20) + "\"}";
        using var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(json)));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{_server.AppPath}/channels") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        var response = await _server.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("larger than", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("page=0")]
    [InlineData("perPage=501")]
    [InlineData("page=abc")]
    public async Task Bad_paging_gets_400_naming_the_parameter(string query)
    {
        var response = await _server.Http.GetAsync($"{_server.AppPath}/instances?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.NotNull(problem["errors"]![query.Split('=')[0]]);
    }

    [Fact]
    public async Task Unknown_names_get_404()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Http.GetAsync($"{_server.AppPath}/groups/nope")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Http.PutAsJsonAsync($"{_server.AppPath}/channels/nope", new SetChannelRequest("1.0.0"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Http.GetAsync("/api/apps/00000000-0000-0000-0000-000000000000/channels")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Http.GetAsync($"{_server.AppPath}/instances/nobody")).StatusCode);
    }

    [Fact]
    public async Task The_admin_api_needs_the_bearer_token_but_health_and_omaha_do_not()
    {
        using var anonymous = new HttpClient { BaseAddress = _server.BaseUrl };
        using var wrong = new HttpClient { BaseAddress = _server.BaseUrl };
        wrong.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-the-token");

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/apps")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync($"{_server.AppPath}/groups")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.PutAsJsonAsync($"{_server.AppPath}/channels/stable", new SetChannelRequest("1.0.0"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.PostAsync("/v1/update/", new StringContent(OmahaXml.Sample("request-updatecheck.xml")))).StatusCode);
    }

    [Fact]
    public async Task An_OpenAPI_document_describes_the_admin_api()
    {
        var document = JsonNode.Parse(await _server.Http.GetStringAsync("/openapi/v1.json"))!;

        Assert.StartsWith("3.", document["openapi"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.NotNull(document["paths"]!["/api/apps/{appId}/channels/{channel}/promote"]);
        Assert.NotNull(document["paths"]!["/api/apps/{appId}/instances"]);
    }

    [Fact]
    public async Task Instances_are_filtered_and_paged()
    {
        await _server.CreateGroupAsync("canary", "stable");
        for (var i = 0; i < 5; i++)
        {
            await _server.CheckAsync($"s{i}", "2512.2.0");
            _server.Time.Advance(TimeSpan.FromSeconds(1));
        }

        await _server.CheckAsync("c0", "2605.10.0", track: "canary");

        var page = await _server.Http.GetFromJsonAsync<Page<InstanceInfo>>($"{_server.AppPath}/instances?group=stable&perPage=2&page=2", TestServer.Json);
        var byVersion = await _server.Http.GetFromJsonAsync<Page<InstanceInfo>>($"{_server.AppPath}/instances?version=2605.10.0", TestServer.Json);

        Assert.Equal(5, page!.Total);
        Assert.Equal(["s2", "s1"], page.Items.Select(i => i.MachineId));
        Assert.Equal("c0", Assert.Single(byVersion!.Items).MachineId);
    }

    [Fact]
    public async Task A_published_package_and_a_channel_change_survive_a_restart()
    {
        var (package, bytes) = await _server.PublishAsync("2605.10.0", size: 50_000);
        await _server.SetChannelAsync("stable", "2605.10.0");
        var data = Path.Combine(Path.GetTempPath(), "keelson-restart-" + Guid.NewGuid().ToString("n"));
        CopyDirectory(_server.DataDirectory, data);

        await using var restarted = await TestServer.StartAsync(dataDirectory: data, database: _server.Database);

        var channels = await restarted.ListAsync<ChannelInfo>($"{restarted.AppPath}/channels");
        Assert.Equal(package.Id, channels!.Single(c => c.Name == "stable").PackageId);
        var check = (await restarted.CheckAsync("m1", "2512.2.0")).Element("updatecheck")!;
        var url = check.Element("urls")!.Element("url")!.Attribute("codebase")!.Value + "flatcar_production_update.gz";
        Assert.Equal(bytes, await restarted.Http.GetByteArrayAsync(url));
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var directory in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(directory.Replace(from, to, StringComparison.Ordinal));
        }

        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, file.Replace(from, to, StringComparison.Ordinal));
        }
    }
}
