using System.Security.Cryptography;
using Keelson.Agent.Omaha;
using Keelson.Omaha;
using Keelson.Server.Tests;

namespace Keelson.Agent.Tests.Omaha;

public sealed class OmahaClientTests : IAsyncLifetime
{
    private static readonly MachineIdentity s_machine = new(
        "0123456789abcdef0123456789abcdef", "{965fb4c5-ad3e-4eb7-a4c2-ca0c0e31ec84}", "1.0.0", "amd64-usr", "1.0.0", "ami", "0.1.1");

    private TestServer _server = null!;
    private OmahaClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync();
        _client = new OmahaClient(new HttpClient(), new Uri(_server.BaseUrl, "/v1/update/"));
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task An_offer_carries_the_download_url_size_and_hashes_of_the_published_payload()
    {
        var (_, bytes) = await _server.PublishAsync("1.1.0", size: 20_000);
        await _server.SetChannelAsync("alpha", "1.1.0");

        var result = await _client.CheckAsync(s_machine, "alpha", "0.0.0.0", rolledBack: false, interactive: false, CancellationToken.None);

        var offer = result.Offer!;
        Assert.Equal("1.1.0", offer.Version);
        Assert.Equal(20_000, offer.Size);
        Assert.Equal(Convert.ToBase64String(SHA1.HashData(bytes)), offer.Sha1Base64);
        Assert.Equal(Convert.ToBase64String(SHA256.HashData(bytes)), offer.Sha256Base64);
        Assert.False(offer.IsDelta);
        Assert.Equal(bytes, await new HttpClient().GetByteArrayAsync(Assert.Single(offer.Urls)));
        Assert.Equal("UpdateGranted", (await _server.InstanceAsync(s_machine.MachineId)).Instance.Status);
    }

    [Fact]
    public async Task A_current_machine_gets_no_offer()
    {
        await _server.PublishAsync("1.0.0");
        await _server.SetChannelAsync("alpha", "1.0.0");

        var result = await _client.CheckAsync(s_machine, "alpha", "", rolledBack: false, interactive: true, CancellationToken.None);

        Assert.False(result.UpdateAvailable);
        var instance = (await _server.InstanceAsync(s_machine.MachineId)).Instance;
        Assert.Equal("1.0.0", instance.Version);
        Assert.Equal("ami", instance.Oem);
        Assert.Equal("alpha", instance.Group);
    }

    [Fact]
    public async Task Progress_events_and_a_rollback_reach_the_server_as_update_engine_sends_them()
    {
        await _server.PublishAsync("1.1.0");
        await _server.SetChannelAsync("alpha", "1.1.0");
        await _client.CheckAsync(s_machine, "alpha", "0.0.0.0", rolledBack: false, interactive: false, CancellationToken.None);

        await _client.ReportAsync(s_machine, "alpha", new OmahaEvent(OmahaEventType.UpdateDownloadStarted, OmahaEventResult.Success, null, null), CancellationToken.None);
        Assert.Equal("Downloading", (await _server.InstanceAsync(s_machine.MachineId)).Instance.Status);
        await _client.ReportAsync(s_machine, "alpha", new OmahaEvent(OmahaEventType.UpdateComplete, OmahaEventResult.Success, null, null), CancellationToken.None);
        Assert.Equal("Installed", (await _server.InstanceAsync(s_machine.MachineId)).Instance.Status);

        var after = await _client.CheckAsync(s_machine, "alpha", "", rolledBack: true, interactive: false, CancellationToken.None);

        Assert.False(after.UpdateAvailable);
        var instance = (await _server.InstanceAsync(s_machine.MachineId)).Instance;
        Assert.Equal(44, instance.LastErrorCode);
        Assert.Contains("rolled back", instance.StatusReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_server_is_a_transient_transfer_error()
    {
        var client = new OmahaClient(new HttpClient(), new Uri("http://127.0.0.1:1/v1/update/"));

        var error = await Assert.ThrowsAsync<UpdateEngineException>(() =>
            client.CheckAsync(s_machine, "alpha", "", rolledBack: false, interactive: false, CancellationToken.None));

        Assert.True(error.IsTransient);
        Assert.Equal(2000, error.ErrorCode);
        Assert.Contains("cannot reach", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_HTTP_error_is_reported_as_2000_plus_the_status()
    {
        var client = new OmahaClient(new HttpClient(), new Uri(_server.BaseUrl, "/v1/nothing-here"));

        var error = await Assert.ThrowsAsync<UpdateEngineException>(() =>
            client.CheckAsync(s_machine, "alpha", "", rolledBack: false, interactive: false, CancellationToken.None));

        Assert.Equal(2404, error.ErrorCode);
        Assert.False(error.IsTransient);
    }
}
