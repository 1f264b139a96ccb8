using System.Net.Http.Json;
using Keelson.Server.Api.Contracts;

namespace Keelson.Server.Tests;

public sealed class GrouplessSortTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Machines_without_a_group_sort_first_by_group_and_last_by_group_descending_on_every_store()
    {
        await _server.CheckAsync("m1", "2512.2.0", track: "stable");
        await _server.CheckAsync("m2", "2512.2.0", track: "no-such-track");
        await _server.CheckAsync("m3", "2512.2.0", track: "beta");

        async Task<List<string>> Ids(string sort) =>
            [.. (await _server.Http.GetFromJsonAsync<Page<InstanceInfo>>($"{_server.AppPath}/instances?sort={sort}", TestServer.Json))!.Items.Select(i => i.MachineId)];

        Assert.Equal(["m2", "m3", "m1"], await Ids("group"));
        Assert.Equal(["m1", "m3", "m2"], await Ids("-group"));
    }
}
