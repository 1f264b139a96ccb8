using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Keelson.Server.Api.Contracts;

namespace Keelson.Server.Tests;

/// <summary>Deleting packages, channels and groups: what is refused, with what to do instead, and what a delete removes.</summary>
public sealed class CatalogDeleteTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private Task<HttpResponseMessage> DeleteAsync(string path) => _server.Http.DeleteAsync($"{_server.AppPath}/{path}");

    private static async Task<string> DetailAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!["detail"]!.GetValue<string>();

    private async Task<List<PackageInfo>> PackagesAsync() =>
        (await _server.ListAsync<PackageInfo>($"{_server.AppPath}/packages"));

    private string PayloadFile(PackageInfo package) => Path.Combine(_server.DataDirectory, "payloads", package.Id);

    [Fact]
    public async Task A_package_channels_point_at_is_refused_naming_the_channels()
    {
        var (package, _) = await _server.PublishAsync("2605.10.0");
        await _server.SetChannelAsync("beta", "2605.10.0");
        await _server.SetChannelAsync("stable", "2605.10.0");

        var response = await DeleteAsync("packages/2605.10.0");

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal(
            "package 2605.10.0 is what 2 channels beta, stable point at; point them at another version first (keelson channel set CHANNEL --version V)",
            await DetailAsync(response));
        Assert.Single(await PackagesAsync());
        Assert.True(File.Exists(PayloadFile(package)));
    }

    [Fact]
    public async Task Deleting_a_package_removes_its_payload_file_and_download_and_records_it()
    {
        var (old, _) = await _server.PublishAsync("2512.2.0");
        await _server.PublishAsync("2605.10.0");
        await _server.SetChannelAsync("stable", "2512.2.0");
        await _server.SetChannelAsync("stable", "2605.10.0");

        var response = await DeleteAsync("packages/2512.2.0");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var deleted = (await response.Content.ReadFromJsonAsync<DeletedInfo>(TestServer.Json))!;
        Assert.Equal(("package", "2512.2.0"), (deleted.Kind, deleted.Name));
        Assert.Equal(["2605.10.0"], (await PackagesAsync()).Select(p => p.Version));
        Assert.False(File.Exists(PayloadFile(old)));
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Http.GetAsync(new Uri(old.Url).PathAndQuery)).StatusCode);
        var entry = Assert.Single((await _server.ActivityAsync()).Items, a => a.Kind == "PackageDeleted");
        Assert.Equal("2512.2.0", entry.Version);
        Assert.Equal("package 2512.2.0 deleted; its payload file (4096 bytes) removed", entry.Message);
    }

    [Fact]
    public async Task A_package_machines_are_downloading_is_refused_until_their_grants_time_out()
    {
        await _server.PublishAsync("2605.10.0");
        await _server.SetChannelAsync("stable", "2605.10.0");
        await _server.CheckAsync("m1", "2512.2.0");
        await _server.PublishAsync("2606.1.0");
        await _server.SetChannelAsync("stable", "2606.1.0");

        var refused = await DeleteAsync("packages/2605.10.0");
        _server.Time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        var later = await DeleteAsync("packages/2605.10.0");

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.StartsWith("1 machine is downloading package 2605.10.0 now; delete it once they are done", await DetailAsync(refused), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
    }

    [Fact]
    public async Task A_channel_a_group_follows_is_refused_naming_the_group()
    {
        await _server.Http.PostAsJsonAsync($"{_server.AppPath}/channels", new CreateChannelRequest("edge"));
        await _server.CreateGroupAsync("canary", "edge");

        var response = await DeleteAsync("channels/edge");

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal(
            "channel edge is followed by 1 group canary; change or delete group canary first "
            + "(keelson group update GROUP --channel OTHER, or keelson group delete GROUP)",
            await DetailAsync(response));
    }

    [Fact]
    public async Task Deleting_a_channel_keeps_its_package_and_records_it()
    {
        await _server.PublishAsync("2605.10.0");
        await _server.Http.PostAsJsonAsync($"{_server.AppPath}/channels", new CreateChannelRequest("edge"));
        await _server.SetChannelAsync("edge", "2605.10.0");

        var response = await DeleteAsync("channels/edge");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var channels = await _server.ListAsync<ChannelInfo>($"{_server.AppPath}/channels");
        Assert.Equal(["alpha", "beta", "stable"], channels!.Select(c => c.Name));
        Assert.Single(await PackagesAsync());
        var entry = Assert.Single((await _server.ActivityAsync()).Items, a => a.Kind == "ChannelDeleted");
        Assert.Equal(("edge", "channel edge deleted; package 2605.10.0 stays published"), (entry.Channel, entry.Message));
    }

    [Fact]
    public async Task A_group_with_machines_is_refused_unless_forced_and_its_machines_are_then_held_naming_their_track()
    {
        await _server.PublishAsync("2605.10.0");
        await _server.SetChannelAsync("stable", "2605.10.0");
        await _server.CreateGroupAsync("canary", "stable");
        await _server.CheckAsync("m1", "2605.10.0", track: "canary");
        await _server.CheckAsync("m2", "2605.10.0", track: "canary");

        var refused = await DeleteAsync("groups/canary");
        var forced = await DeleteAsync("groups/canary?force=true");

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.StartsWith("group canary has 2 machines; move them to another group (GROUP in their update.conf), or delete with --force",
            await DetailAsync(refused), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, forced.StatusCode);
        Assert.Equal(2, (await forced.Content.ReadFromJsonAsync<DeletedInfo>(TestServer.Json))!.Machines);
        Assert.Null((await _server.InstanceAsync("m1")).Instance.Group);
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Http.GetAsync($"{_server.AppPath}/groups/canary")).StatusCode);

        await _server.CheckAsync("m1", "2512.2.0", track: "canary");
        var m1 = (await _server.InstanceAsync("m1")).Instance;
        Assert.Equal(("OnHold", "no group or channel named 'canary'"), (m1.Status, m1.StatusReason));
        var entry = Assert.Single((await _server.ActivityAsync()).Items, a => a.Kind == "GroupDeleted");
        Assert.Equal(("canary", "warning"), (entry.Group, entry.Severity));
    }

    [Fact]
    public async Task A_machine_checking_in_after_its_group_was_deleted_is_recorded_without_a_group()
    {
        await _server.CreateGroupAsync("canary", "stable");
        await _server.CheckAsync("m1", "2605.10.0", track: "canary");
        Assert.Equal(HttpStatusCode.OK, (await DeleteAsync("groups/canary?force=true")).StatusCode);

        await _server.CheckAsync("m1", "2605.10.0", track: "canary");
        await _server.CheckAsync("m2", "2605.10.0", track: "stable");

        Assert.Equal(2, (await _server.Http.GetFromJsonAsync<Page<InstanceInfo>>($"{_server.AppPath}/instances", TestServer.Json))!.Total);
        Assert.Null((await _server.InstanceAsync("m1")).Instance.Group);
    }

    [Fact]
    public async Task An_empty_group_is_deleted_and_recorded()
    {
        await _server.CreateGroupAsync("canary", "stable");

        var response = await DeleteAsync("groups/canary");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("group canary deleted", (await response.Content.ReadFromJsonAsync<DeletedInfo>(TestServer.Json))!.Message);
        Assert.Contains((await _server.ActivityAsync()).Items, a => a is { Kind: "GroupDeleted", Group: "canary", Severity: "info" });
    }

    [Theory]
    [InlineData("packages/9.9.9", "no package with version 9.9.9; 'keelson package list' shows the published ones")]
    [InlineData("channels/nope", "no channel named nope; 'keelson channel list' shows them")]
    [InlineData("groups/nope", "no group named nope; 'keelson group list' shows them")]
    public async Task Deleting_what_does_not_exist_is_404_naming_it(string path, string detail)
    {
        var before = (await _server.ActivityAsync()).Total;

        var response = await DeleteAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(detail, await DetailAsync(response));
        Assert.Equal(before, (await _server.ActivityAsync()).Total);
    }

    [Fact]
    public async Task Force_must_be_true_or_false()
    {
        await _server.CreateGroupAsync("canary", "stable");

        var response = await DeleteAsync("groups/canary?force=yes");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _server.Http.GetAsync($"{_server.AppPath}/groups/canary")).StatusCode);
    }
}
