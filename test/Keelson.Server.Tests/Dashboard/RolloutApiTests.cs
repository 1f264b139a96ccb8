using System.Net;
using System.Net.Http.Json;
using Keelson.Server.Api.Contracts;
using Keelson.Server.Updates;
using Microsoft.Extensions.DependencyInjection;

namespace Keelson.Server.Tests.Dashboard;

/// <summary>What the dashboard shows, through the admin API it shares with it: rollout progress, charts' samples, search.</summary>
public sealed class RolloutApiTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<GroupRollout> RolloutAsync(string group) =>
        (await _server.Http.GetFromJsonAsync<GroupRollout>($"{_server.AppPath}/groups/{group}/rollout", TestServer.Json))!;

    [Fact]
    public async Task Every_machine_of_a_group_is_counted_once_in_its_rollout_stage()
    {
        await _server.CheckAsync("m0", "1.0.0", "alpha");               // seen before there was a release: not yet offered
        await _server.PublishAsync("1.1.0");
        await _server.SetChannelAsync("alpha", "1.1.0");
        await _server.PatchGroupAsync("alpha", new GroupRequest(MaxUpdatesPerPeriod: 4, Period: "1h"));
        await _server.CheckAsync("m1", "1.1.0", "alpha");               // on target
        await _server.CheckAsync("m2", "1.0.0", "alpha");               // granted
        await _server.CheckAsync("m3", "1.0.0", "alpha");
        await _server.EventAsync("m3", "1.0.0", 13, 1, track: "alpha"); // downloading
        await _server.CheckAsync("m4", "1.0.0", "alpha");
        await _server.EventAsync("m4", "1.0.0", 3, 0, 10, "alpha");     // failed: payload hash mismatch
        await _server.CheckAsync("m5", "1.0.0", "alpha");
        await _server.EventAsync("m5", "1.0.0", 3, 0, 44, "alpha");     // rolled back...
        await _server.CheckAsync("m5", "1.0.0", "alpha");               // ...and held back from that release since
        await _server.CheckAsync("m6", "1.0.0", "alpha");               // the fifth grant is over the rate limit

        var rollout = await RolloutAsync("alpha");

        var p = rollout.Progress;
        Assert.Equal("1.1.0", p.Target);
        Assert.Equal((7L, 1L, 2L, 1L, 2L, 1L), (p.Total, p.OnTarget, p.Updating, p.OnHold, p.Failed, p.NotYetOffered));
        Assert.Equal(p.Total, p.OnTarget + p.Updating + p.OnHold + p.Failed + p.NotYetOffered);
        Assert.Equal([new Tally(InstanceStatus.UpdateGranted, 1), new Tally(InstanceStatus.Downloading, 1)], p.UpdatingByStatus);
        Assert.Equal([new Tally("rate limit", 1)], p.HoldReasons);
        Assert.Equal(["payload hash mismatch (10)", "rollback (44)"], p.FailedByError.Select(t => t.Name).Order());
        Assert.Equal([new Tally("1.0.0", 6), new Tally("1.1.0", 1)], p.Versions);
        Assert.Equal("at most 4 per hour", rollout.Policy);

        var all = await _server.ListAsync<GroupRollout>($"{_server.AppPath}/rollout");
        Assert.Equal(["alpha", "beta", "stable"], all!.Select(r => r.Group.Name));
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(p), System.Text.Json.JsonSerializer.Serialize(all![0].Progress));
        Assert.Equal(0, all[1].Progress.Total);
    }

    [Fact]
    public async Task The_timeline_holds_one_sample_per_hour_and_the_last_hours_by_the_minute_and_the_current_bucket_is_now()
    {
        var sampler = _server.Services.GetRequiredService<FleetSampler>();
        await _server.CheckAsync("m1", "1.0.0", "beta");
        await _server.CheckAsync("m2", "1.0.0", "beta");
        await sampler.SampleAsync(default);
        _server.Time.Advance(TimeSpan.FromHours(1));
        await _server.CheckAsync("m3", "1.1.0", "beta");
        await sampler.SampleAsync(default);
        _server.Time.Advance(TimeSpan.FromMinutes(1));
        await _server.CheckAsync("m4", "1.1.0", "beta");
        await sampler.SampleAsync(default);
        await _server.CheckAsync("m5", "1.2.0", "beta");

        var week = (await _server.Http.GetFromJsonAsync<FleetTimeline>($"{_server.AppPath}/groups/beta/timeline", TestServer.Json))!;
        var hours = (await _server.Http.GetFromJsonAsync<FleetTimeline>($"{_server.AppPath}/groups/beta/timeline?span=3h", TestServer.Json))!;

        Assert.Equal(FleetSampler.HourBucket, week.BucketSeconds);
        Assert.Equal(2, week.Buckets.Count);
        Assert.Equal([new Tally("1.0.0", 2)], week.Buckets[0].Versions);
        Assert.Equal([new Tally("1.0.0", 2), new Tally("1.1.0", 2), new Tally("1.2.0", 1)], week.Buckets[1].Versions);  // now, not the last sample
        Assert.Equal(FleetSampler.MinuteBucket, hours.BucketSeconds);
        Assert.Equal(3, hours.Buckets.Count);
        Assert.Equal([new Tally(InstanceStatus.Undefined, 3)], hours.Buckets[1].Statuses);
        var bad = await _server.Http.GetAsync($"{_server.AppPath}/groups/beta/timeline?span=soon");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("span", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Http.GetAsync($"{_server.AppPath}/groups/nope/timeline")).StatusCode);
    }

    [Fact]
    public async Task Channel_history_lists_publications_and_promotions_newest_first()
    {
        await _server.PublishAsync("1.0.0");
        await _server.PublishAsync("1.1.0");
        await _server.SetChannelAsync("alpha", "1.0.0");
        await _server.SetChannelAsync("alpha", "1.1.0");
        var promoted = await _server.Http.PostAsJsonAsync($"{_server.AppPath}/channels/beta/promote", new PromoteRequest("alpha"));
        Assert.True(promoted.IsSuccessStatusCode);

        var channels = (await _server.ListAsync<ChannelOverview>($"{_server.AppPath}/channel-history"));

        Assert.Equal(["1.1.0", "1.0.0"], channels.Single(c => c.Channel.Name == "alpha").History.Select(h => h.Version));
        var beta = Assert.Single(channels.Single(c => c.Channel.Name == "beta").History);
        Assert.Contains("promoted from alpha", beta.Message, StringComparison.Ordinal);
        Assert.Empty(channels.Single(c => c.Channel.Name == "stable").History);
    }

    [Fact]
    public async Task Machines_are_searched_by_id_and_version_and_sorted_by_any_column()
    {
        foreach (var (id, version) in (List<(string, string)>)[("aa01", "1.2.0"), ("bb02", "1.1.0"), ("aa03", "2.0.0"), ("cc04", "1.0.0")])
        {
            await _server.CheckAsync(id, version, "stable");
        }

        async Task<List<string>> Ids(string query) =>
            [.. (await _server.Http.GetFromJsonAsync<Page<InstanceInfo>>($"{_server.AppPath}/instances?{query}", TestServer.Json))!.Items.Select(i => i.MachineId)];

        Assert.Equal(["aa01", "aa03"], await Ids("q=aa&sort=machine"));
        Assert.Equal(["aa03", "aa01"], await Ids("q=aa&sort=-machine"));
        Assert.Equal(["aa01", "aa03"], await Ids("q=AA&sort=machine"));        // the search ignores case, on every store
        Assert.Equal(["bb02"], await Ids("q=1.1."));
        Assert.Empty(await Ids("q=a%25"));                    // % and _ are characters to find, not wildcards
        Assert.Empty(await Ids("q=a_0"));
        Assert.Equal(["aa01", "aa03", "bb02", "cc04"], await Ids("sort=status&perPage=500"));
        Assert.Equal(["cc04", "bb02"], await Ids("sort=version&perPage=2"));
        Assert.Equal(["aa01", "aa03"], await Ids("sort=version&perPage=2&page=2"));
        var bad = await _server.Http.GetAsync($"{_server.AppPath}/instances?sort=cpu");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("sort 'cpu' is not one of", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
