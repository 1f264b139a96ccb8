using Keelson.Server.Dashboard;
using Microsoft.Extensions.DependencyInjection;

namespace Keelson.Server.Tests.Dashboard;

/// <summary>The change marks behind the dashboard's live pages, on the server's fake clock.</summary>
public sealed class LiveChangesTests : IAsyncLifetime
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan s_realDeadline = TimeSpan.FromSeconds(30);

    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private LiveChanges Live => _server.Services.GetRequiredService<LiveChanges>();

    private TimeSpan Interval => _server.Services.GetRequiredService<ServerOptions>().LiveInterval;

    /// <summary>Moves the fake clock one poll at a time until <paramref name="waiting"/> ends.</summary>
    private async Task<string?> PollUntilAsync(Task<string?> waiting)
    {
        using var deadline = new CancellationTokenSource(s_realDeadline);
        while (!waiting.IsCompleted)
        {
            _server.Time.Advance(Interval);
            await Task.WhenAny(waiting, Task.Delay(TimeSpan.FromMilliseconds(20), deadline.Token));
        }

        return await waiting;
    }

    [Fact]
    public async Task A_listener_is_woken_by_a_change_in_the_fleet_with_the_new_mark()
    {
        using var listening = Live.Listen();
        var seen = await Live.ReadAsync(default);

        var waiting = Live.WaitForChangeAsync(seen, s_wait, default);
        await _server.PublishAsync("1.1.0");
        await _server.SetChannelAsync("alpha", "1.1.0");
        var mark = await PollUntilAsync(waiting);

        Assert.NotNull(mark);
        Assert.NotEqual(seen, mark);
        Assert.Equal(await Live.ReadAsync(default), mark);
    }

    [Fact]
    public async Task Without_a_change_a_listener_hears_nothing_until_its_wait_is_over()
    {
        using var listening = Live.Listen();
        var seen = await Live.ReadAsync(default);

        var waiting = Live.WaitForChangeAsync(seen, s_wait, default);
        var mark = await PollUntilAsync(waiting);

        Assert.Null(mark);
        Assert.True(_server.Time.GetUtcNow() >= new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero) + s_wait);
    }
}
