using Keelson.Server.Updates;
using Microsoft.Extensions.DependencyInjection;

namespace Keelson.Server.Tests.HotPath;

/// <summary>Routine checks are answered from cached machine state; a status change replaces that state.</summary>
public sealed class RoutineCheckTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync();
        await _server.PublishAsync("2605.10.0");
        await _server.SetChannelAsync("stable", "2605.10.0");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task An_event_after_a_grant_moves_a_machine_whose_earlier_checks_were_routine()
    {
        // Up to date: routine, and the machine's state is now cached.
        Assert.Equal("noupdate", (await _server.CheckAsync("m1", "2605.10.0")).Element("updatecheck")!.Attribute("status")!.Value);
        Assert.Equal("noupdate", (await _server.CheckAsync("m1", "2605.10.0")).Element("updatecheck")!.Attribute("status")!.Value);
        Assert.NotNull(_server.Services.GetRequiredService<MachineStateCache>().Find(TestServer.CoreOsApp, "m1"));

        await _server.PublishAsync("2606.0.0");
        await _server.SetChannelAsync("stable", "2606.0.0");
        Assert.Equal("ok", (await _server.CheckAsync("m1", "2605.10.0")).Element("updatecheck")!.Attribute("status")!.Value);

        // An event alone, from the version the machine still runs: only the machine's state can tell it matters.
        await _server.EventAsync("m1", "2605.10.0", type: 13, result: 1);
        Assert.Equal(InstanceStatus.Downloading, (await _server.InstanceAsync("m1")).Instance.Status);
        await _server.EventAsync("m1", "2605.10.0", type: 3, result: 1);
        Assert.Equal(InstanceStatus.Installed, (await _server.InstanceAsync("m1")).Instance.Status);
    }

    [Fact]
    public async Task Routine_checks_are_recorded_with_the_last_check_version_and_address()
    {
        await _server.CheckAsync("m2", "2605.10.0");
        var first = (await _server.InstanceAsync("m2")).Instance;
        _server.Time.Advance(TimeSpan.FromMinutes(45));
        await _server.CheckAsync("m2", "2605.10.0");
        var second = (await _server.InstanceAsync("m2")).Instance;

        Assert.Equal("2605.10.0", second.Version);
        Assert.Equal("127.0.0.1", second.Ip);
        Assert.Equal(first.FirstSeenAt, second.FirstSeenAt);
        Assert.Equal(first.LastCheckAt + TimeSpan.FromMinutes(45), second.LastCheckAt);
    }
}
