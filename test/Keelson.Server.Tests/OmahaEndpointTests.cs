using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Keelson.Server.Api.Contracts;

namespace Keelson.Server.Tests;

public sealed class OmahaEndpointTests : IAsyncLifetime
{
    private const string Machine = "abce671d61774703ac7be60715220bfe";
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("request-updatecheck.xml", true, 1)]
    [InlineData("request-rollback.xml", true, 1)]
    [InlineData("request-event-download-started.xml", false, 1)]
    [InlineData("request-event-error.xml", false, 1)]
    public async Task Every_sample_request_is_answered_in_the_sample_shape(string sample, bool updateCheck, int events)
    {
        var (status, body, text) = await _server.PostOmahaAsync(OmahaXml.Sample(sample));

        Assert.Equal(HttpStatusCode.OK, status);
        var response = body!.Root!;
        Assert.Equal("response", response.Name.LocalName);
        Assert.Equal("3.0", response.Attribute("protocol")!.Value);
        Assert.NotNull(response.Element("daystart")!.Attribute("elapsed_seconds"));
        var app = response.Element("app")!;
        // The id as the request spelled it (the samples send it in braces), not the server's normalized one.
        Assert.Equal(XDocument.Parse(OmahaXml.Sample(sample)).Root!.Element("app")!.Attribute("appid")!.Value, app.Attribute("appid")!.Value);
        Assert.Equal("ok", app.Attribute("status")!.Value);
        Assert.Equal(updateCheck ? "noupdate" : null, app.Element("updatecheck")?.Attribute("status")!.Value);
        Assert.Equal(events, app.Elements("event").Count(e => e.Attribute("status")!.Value == "ok"));
        Assert.StartsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_update_is_offered_with_the_size_and_hashes_of_the_published_payload()
    {
        var (package, bytes) = await _server.PublishAsync("2605.10.0", size: 100_000);
        await _server.SetChannelAsync("stable", "2605.10.0");

        var app = await _server.CheckAsync(Machine, "2512.2.0");

        var check = app.Element("updatecheck")!;
        Assert.Equal("ok", check.Attribute("status")!.Value);
        var codebase = check.Element("urls")!.Element("url")!.Attribute("codebase")!.Value;
        Assert.Equal($"{_server.BaseUrl.AbsoluteUri}v1/payloads/{package.Id}/", codebase);
        var manifest = check.Element("manifest")!;
        Assert.Equal("2605.10.0", manifest.Attribute("version")!.Value);
        var xmlPackage = manifest.Element("packages")!.Element("package")!;
        Assert.Equal("flatcar_production_update.gz", xmlPackage.Attribute("name")!.Value);
        Assert.Equal(Convert.ToBase64String(SHA1.HashData(bytes)), xmlPackage.Attribute("hash")!.Value);
        Assert.Equal("100000", xmlPackage.Attribute("size")!.Value);
        Assert.Equal("true", xmlPackage.Attribute("required")!.Value);
        var action = manifest.Element("actions")!.Element("action")!;
        Assert.Equal("postinstall", action.Attribute("event")!.Value);
        Assert.Equal(Convert.ToBase64String(SHA256.HashData(bytes)), action.Attribute("sha256")!.Value);

        var downloaded = await new HttpClient().GetByteArrayAsync(codebase + xmlPackage.Attribute("name")!.Value);
        Assert.Equal(bytes, downloaded);
    }

    [Fact]
    public async Task A_machine_already_on_the_channel_version_gets_noupdate()
    {
        await _server.PublishAsync("2605.10.0");
        await _server.SetChannelAsync("stable", "2605.10.0");

        var app = await _server.CheckAsync(Machine, "2605.10.0");

        Assert.Equal("noupdate", app.Element("updatecheck")!.Attribute("status")!.Value);
    }

    [Fact]
    public async Task A_machine_newer_than_its_channel_is_never_downgraded()
    {
        await _server.PublishAsync("2512.2.0");
        await _server.SetChannelAsync("stable", "2512.2.0");

        // A machine that ran alpha 2605.10.0 switches to stable, which is older.
        var app = await _server.CheckAsync(Machine, "2605.10.0", track: "stable");

        Assert.Equal("noupdate", app.Element("updatecheck")!.Attribute("status")!.Value);
        Assert.Equal("Undefined", (await _server.InstanceAsync(Machine)).Instance.Status);
    }

    [Theory]
    [InlineData("2605.9.0", "2605.10.0", true)]
    [InlineData("2512.2.0", "2605.10.0", true)]
    [InlineData("2605.10.0", "2605.10.1", true)]
    [InlineData("2605.10.1", "2605.10.0", false)]
    [InlineData("3000.0.0", "2605.10.0", false)]
    public async Task Versions_compare_numerically_component_by_component(string running, string channel, bool offered)
    {
        await _server.PublishAsync(channel);
        await _server.SetChannelAsync("stable", channel);

        var app = await _server.CheckAsync(Machine, running);

        Assert.Equal(offered ? "ok" : "noupdate", app.Element("updatecheck")!.Attribute("status")!.Value);
    }

    [Theory]
    [InlineData("{E96281A6-D1AF-4BDE-9A0A-97B76E56DC57}")]
    [InlineData("e96281a6-d1af-4bde-9a0a-97b76e56dc57")]
    [InlineData(" {e96281a6-D1AF-4bde-9a0a-97b76e56dc57} ")]
    public async Task The_app_id_matches_without_braces_and_case_insensitively(string appId)
    {
        var (status, body, _) = await _server.PostOmahaAsync(OmahaXml.Request(Machine, "2512.2.0", "stable", "<updatecheck/>", appId));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ok", body!.Root!.Element("app")!.Attribute("status")!.Value);
        Assert.Equal(appId, body.Root.Element("app")!.Attribute("appid")!.Value);
    }

    [Fact]
    public async Task An_unknown_app_gets_error_unknownApplication_and_is_not_recorded()
    {
        var (status, body, _) = await _server.PostOmahaAsync(
            OmahaXml.Request(Machine, "1.0.0", "stable", "<updatecheck/>", "{00000000-1111-2222-3333-444444444444}"));

        Assert.Equal(HttpStatusCode.OK, status);
        var app = body!.Root!.Element("app")!;
        Assert.Equal("error-unknownApplication", app.Attribute("status")!.Value);
        Assert.Null(app.Element("updatecheck"));
        var response = await _server.Http.GetAsync($"{_server.AppPath}/instances/{Machine}");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Every_request_records_the_instance()
    {
        await _server.PostOmahaAsync(OmahaXml.Sample("request-updatecheck.xml"));

        var instance = (await _server.InstanceAsync(Machine)).Instance;
        Assert.Equal("2512.2.0", instance.Version);
        Assert.Equal("stable", instance.Group);
        Assert.Equal("ami", instance.Oem);
        Assert.Equal("0.1.1-r1", instance.OemVersion);
        Assert.Equal("amd64-usr", instance.Board);
        Assert.Equal("1688.5.3", instance.AlephVersion);
        Assert.Equal("127.0.0.1", instance.Ip);
        Assert.Equal(_server.Time.GetUtcNow(), instance.LastCheckAt);
    }

    [Fact]
    public async Task Track_names_a_group_or_else_a_channel_whose_group_is_used()
    {
        var create = await _server.Http.PostAsJsonAsync($"{_server.AppPath}/channels", new CreateChannelRequest("edge"));
        Assert.Equal(HttpStatusCode.Created, create.StatusCode);
        var group = await _server.Http.PostAsJsonAsync($"{_server.AppPath}/groups", new GroupRequest("edge-servers", "edge"));
        Assert.Equal(HttpStatusCode.Created, group.StatusCode);
        var canary = await _server.Http.PostAsJsonAsync($"{_server.AppPath}/groups", new GroupRequest("canary", "beta"));
        Assert.Equal(HttpStatusCode.Created, canary.StatusCode);

        await _server.CheckAsync("a1", "1.0.0", track: "edge");
        await _server.CheckAsync("a2", "1.0.0", track: "canary");
        await _server.CheckAsync("a3", "1.0.0", track: "beta");

        Assert.Equal("edge-servers", (await _server.InstanceAsync("a1")).Instance.Group);
        Assert.Equal("canary", (await _server.InstanceAsync("a2")).Instance.Group);
        Assert.Equal("beta", (await _server.InstanceAsync("a3")).Instance.Group);
    }

    [Fact]
    public async Task An_unknown_track_gets_noupdate_and_the_machine_is_held_with_the_reason()
    {
        var app = await _server.CheckAsync(Machine, "2512.2.0", track: "nightly");

        Assert.Equal("noupdate", app.Element("updatecheck")!.Attribute("status")!.Value);
        var instance = (await _server.InstanceAsync(Machine)).Instance;
        Assert.Equal("OnHold", instance.Status);
        Assert.Contains("nightly", instance.StatusReason, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> BadRequests => new()
    {
        { "<request protocol=\"3.0\"><app appid=\"x\"", "malformed" },
        { "not xml at all", "malformed" },
        { "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY a \"aaaa\">]><request protocol=\"3.0\"><app appid=\"{e96281a6-d1af-4bde-9a0a-97b76e56dc57}\" machineid=\"m\">&a;</app></request>", "DTD" },
        { "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><request protocol=\"3.0\">&x;</request>", "DTD" },
        { "<request protocol=\"2.0\"><app appid=\"{e96281a6-d1af-4bde-9a0a-97b76e56dc57}\" machineid=\"m\"/></request>", "protocol" },
        { "<request protocol=\"3.0\"><app appid=\"{e96281a6-d1af-4bde-9a0a-97b76e56dc57}\" version=\"1.0.0\" track=\"stable\"><updatecheck/></app></request>", "machineid" },
        { "<request protocol=\"3.0\"><app appid=\"{e96281a6-d1af-4bde-9a0a-97b76e56dc57}\" machineid=\"m\"><event eventtype=\"three\" eventresult=\"1\"/></app></request>", "eventtype" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Bad_requests_get_400_naming_the_problem_and_change_nothing(string xml, string mentioned)
    {
        var (status, _, text) = await _server.PostOmahaAsync(xml);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(mentioned, text, StringComparison.OrdinalIgnoreCase);
        var instances = await _server.Http.GetFromJsonAsync<Page<InstanceInfo>>($"{_server.AppPath}/instances", TestServer.Json);
        Assert.Equal(0, instances!.Total);
    }

    [Fact]
    public async Task A_request_over_64_KiB_gets_413_and_changes_nothing()
    {
        var padding = new string(' ', 70 * 1024);
        var xml = OmahaXml.Request(Machine, "2512.2.0", "stable", "<updatecheck/>" + padding);

        var (status, _, _) = await _server.PostOmahaAsync(xml);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        var instances = await _server.Http.GetFromJsonAsync<Page<InstanceInfo>>($"{_server.AppPath}/instances", TestServer.Json);
        Assert.Equal(0, instances!.Total);
    }

    [Fact]
    public async Task A_chunked_request_over_64_KiB_gets_413()
    {
        var xml = OmahaXml.Request(Machine, "2512.2.0", "stable", "<updatecheck/>" + new string(' ', 70 * 1024));
        using var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(xml)));
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_server.BaseUrl, "/v1/update")) { Content = content };
        request.Headers.TransferEncodingChunked = true;

        var response = await new HttpClient().SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task The_codebase_is_under_the_public_url()
    {
        await using var server = await TestServer.StartAsync(o => o.PublicUrl = new Uri("https://updates.example.com/keelson/"));
        var (package, _) = await server.PublishAsync("2605.10.0");
        await server.SetChannelAsync("stable", "2605.10.0");

        var app = await server.CheckAsync(Machine, "2512.2.0");

        Assert.Equal($"https://updates.example.com/keelson/v1/payloads/{package.Id}/",
            app.Element("updatecheck")!.Element("urls")!.Element("url")!.Attribute("codebase")!.Value);
    }

    [Fact]
    public async Task An_external_package_is_offered_at_its_own_url()
    {
        var sha1 = Convert.ToBase64String(new byte[20]);
        var sha256 = Convert.ToBase64String(new byte[32]);
        var response = await _server.Http.PostAsJsonAsync($"{_server.AppPath}/packages",
            new ExternalPackageRequest("3732.0.0", "https://mirror.example.com/amd64-usr/3732.0.0/flatcar_production_update.gz", 382137917, sha1, sha256));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        await _server.SetChannelAsync("stable", "3732.0.0");

        var check = (await _server.CheckAsync(Machine, "2512.2.0")).Element("updatecheck")!;

        Assert.Equal("https://mirror.example.com/amd64-usr/3732.0.0/", check.Element("urls")!.Element("url")!.Attribute("codebase")!.Value);
        var package = check.Element("manifest")!.Element("packages")!.Element("package")!;
        Assert.Equal("flatcar_production_update.gz", package.Attribute("name")!.Value);
        Assert.Equal("382137917", package.Attribute("size")!.Value);
        Assert.Equal(sha1, package.Attribute("hash")!.Value);
    }

    [Fact]
    public async Task Events_move_the_machine_through_the_update_and_each_is_acknowledged()
    {
        await _server.PublishAsync("2605.10.0");
        await _server.SetChannelAsync("stable", "2605.10.0");
        await _server.CheckAsync(Machine, "2512.2.0");
        Assert.Equal("UpdateGranted", (await _server.InstanceAsync(Machine)).Instance.Status);

        await _server.EventAsync(Machine, "2512.2.0", 13, 1);
        Assert.Equal("Downloading", (await _server.InstanceAsync(Machine)).Instance.Status);
        await _server.EventAsync(Machine, "2512.2.0", 14, 1);
        Assert.Equal("Downloaded", (await _server.InstanceAsync(Machine)).Instance.Status);
        await _server.EventAsync(Machine, "2512.2.0", 3, 1);
        Assert.Equal("Installed", (await _server.InstanceAsync(Machine)).Instance.Status);

        // After the reboot: the first check comes from the new version with 3/2 and the old previousversion.
        var app = await _server.CheckAsync(Machine, "2605.10.0", events: "<event eventtype=\"3\" eventresult=\"2\" previousversion=\"2512.2.0\"></event>");

        Assert.Equal("noupdate", app.Element("updatecheck")!.Attribute("status")!.Value);
        var detail = await _server.InstanceAsync(Machine);
        Assert.Equal("Complete", detail.Instance.Status);
        Assert.Equal("2605.10.0", detail.Instance.Version);
        Assert.Equal(["Complete", "Installed", "Downloaded", "Downloading", "UpdateGranted"], detail.History.Select(h => h.Status));
    }

    [Fact]
    public async Task An_event_without_a_granted_update_is_acknowledged_and_changes_nothing()
    {
        await _server.CheckAsync(Machine, "2512.2.0");

        await _server.EventAsync(Machine, "2512.2.0", 13, 1);

        Assert.Equal("Undefined", (await _server.InstanceAsync(Machine)).Instance.Status);
    }

    [Fact]
    public async Task A_failure_event_puts_the_machine_in_error_with_the_code_and_logs_it()
    {
        await _server.PublishAsync("2605.10.0");
        await _server.SetChannelAsync("stable", "2605.10.0");
        await _server.CheckAsync(Machine, "2512.2.0");

        await _server.EventAsync(Machine, "2512.2.0", 3, 0, errorCode: 268435466);

        var instance = (await _server.InstanceAsync(Machine)).Instance;
        Assert.Equal("Error", instance.Status);
        Assert.Equal(268435466, instance.LastErrorCode);
        Assert.Contains("hash mismatch", instance.LastError, StringComparison.OrdinalIgnoreCase);
        var activity = await _server.ActivityAsync();
        Assert.Contains(activity.Items, a => a.Kind == "InstanceUpdateFailed" && a.MachineId == Machine);
    }

    [Fact]
    public async Task A_rolled_back_machine_is_not_offered_the_same_version_again()
    {
        await _server.PublishAsync("2605.10.0");
        await _server.SetChannelAsync("stable", "2605.10.0");
        await _server.CheckAsync(Machine, "2512.2.0");
        await _server.EventAsync(Machine, "2512.2.0", 3, 1);

        // The new slot did not come up; the machine is back on 2512.2.0 and says so with 3/0 errorcode 44.
        var app = await _server.CheckAsync(Machine, "2512.2.0", events: "<event eventtype=\"3\" eventresult=\"0\" errorcode=\"44\"></event>");

        Assert.Equal("noupdate", app.Element("updatecheck")!.Attribute("status")!.Value);
        var instance = (await _server.InstanceAsync(Machine)).Instance;
        Assert.Equal("OnHold", instance.Status);
        Assert.Contains("rolled back", instance.StatusReason, StringComparison.Ordinal);
        Assert.Equal(44, instance.LastErrorCode);

        await _server.PublishAsync("2605.11.0");
        await _server.SetChannelAsync("stable", "2605.11.0");
        var next = await _server.CheckAsync(Machine, "2512.2.0");
        Assert.Equal("ok", next.Element("updatecheck")!.Attribute("status")!.Value);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_rollback_reported_after_the_update_ended_is_recorded_and_holds_the_machine_back(bool newBootFailed)
    {
        await _server.PublishAsync("2605.10.0");
        await _server.SetChannelAsync("stable", "2605.10.0");
        await _server.CheckAsync(Machine, "2512.2.0");
        await _server.EventAsync(Machine, "2512.2.0", 3, 1);
        if (newBootFailed)
        {
            // Keelson's agent on the new version: its health checks failed (1001); it falls back next.
            await _server.EventAsync(Machine, "2605.10.0", 3, 0, errorCode: 1001);
        }
        else
        {
            // The update completed; later an operator rolls the machine back by hand.
            await _server.CheckAsync(Machine, "2605.10.0", events: "<event eventtype=\"3\" eventresult=\"2\" previousversion=\"2512.2.0\"></event>");
            Assert.Equal("Complete", (await _server.InstanceAsync(Machine)).Instance.Status);
        }

        var app = await _server.CheckAsync(Machine, "2512.2.0", events: "<event eventtype=\"3\" eventresult=\"0\" errorcode=\"44\"></event>");

        Assert.Equal("noupdate", app.Element("updatecheck")!.Attribute("status")!.Value);
        var detail = await _server.InstanceAsync(Machine);
        Assert.Equal(44, detail.Instance.LastErrorCode);
        Assert.Contains(detail.History, h => h.ErrorCode == 44);
        Assert.Equal(newBootFailed, detail.History.Any(h => h.ErrorCode == 1001));
    }
}
