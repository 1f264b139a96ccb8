using Dapper;
using Keelson.Server.Storage;
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

    [Fact]
    public async Task A_routine_check_that_reports_something_new_records_it_and_one_that_reports_the_same_moves_only_the_time()
    {
        await _server.CheckAsync("m5", "2605.10.0");
        _server.Time.Advance(TimeSpan.FromMinutes(45));
        var renamed = OmahaXml.Request("m5", "2605.10.0", "stable", "<ping active=\"1\"></ping><updatecheck></updatecheck>")
            .Replace("machinealias=\"\"", "machinealias=\"web-5\"", StringComparison.Ordinal)
            .Replace("oem=\"ami\"", "oem=\"gce\"", StringComparison.Ordinal);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await _server.PostOmahaAsync(renamed)).Status);
        var changed = (await _server.InstanceAsync("m5")).Instance;
        _server.Time.Advance(TimeSpan.FromMinutes(45));
        Assert.Equal(System.Net.HttpStatusCode.OK, (await _server.PostOmahaAsync(renamed)).Status);
        var same = (await _server.InstanceAsync("m5")).Instance;

        Assert.Equal(("web-5", "gce"), (changed.Alias, changed.Oem));
        Assert.Equal(changed with { LastCheckAt = same.LastCheckAt }, same);
        Assert.Equal(changed.LastCheckAt + TimeSpan.FromMinutes(45), same.LastCheckAt);
    }

    [Fact]
    public async Task Reads_of_many_machines_at_once_answer_each_machine_with_its_own_state()
    {
        // Granted machines (a row each) and machines never seen, read all at once: the reads share statements.
        await _server.PublishAsync("2606.0.0");
        await _server.SetChannelAsync("stable", "2606.0.0");
        var granted = Enumerable.Range(0, 40).Select(i => $"granted-{i:D3}").ToList();
        await Task.WhenAll(granted.Select(id => _server.CheckAsync(id, "2605.10.0")));
        var unknown = Enumerable.Range(0, 160).Select(i => $"unknown-{i:D3}").ToList();

        var reader = _server.Services.GetRequiredService<MachineStateReader>();
        var states = await Task.WhenAll(granted.Concat(unknown).Select(id => reader.ReadAsync(TestServer.CoreOsApp, id, CancellationToken.None)));

        Assert.All(states.Take(granted.Count), state =>
        {
            Assert.Equal(InstanceStatus.UpdateGranted, state.Status);
            Assert.Equal("2606.0.0", state.UpdateVersion);
        });
        Assert.All(states.Skip(granted.Count), state => Assert.Same(MachineState.Unknown, state));
        Assert.Same(MachineState.Unknown, await reader.ReadAsync("another-app", granted[0], CancellationToken.None));
    }

    [Fact]
    public async Task Checks_of_one_machine_in_one_transaction_each_see_the_one_before()
    {
        await _server.PublishAsync("2606.0.0");
        await _server.SetChannelAsync("stable", "2606.0.0");
        var database = _server.Services.GetRequiredService<Database>();

        // Hold the store's writer, so that the checks queue: one other machine's check takes the next transaction
        // alone, and the two checks of machine "twice" go into the one after it, together.
        var holding = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var holder = database.WriteAsync(async (_, _) => { holding.SetResult(); await release.Task; return 0; }, CancellationToken.None);
        await holding.Task;
        var other = _server.CheckAsync("other", "2605.10.0");
        await Task.Delay(500);
        var twice = Task.WhenAll(_server.CheckAsync("twice", "2605.10.0"), _server.CheckAsync("twice", "2605.10.0"));
        await Task.Delay(500);
        release.SetResult();
        await holder;
        await other;
        var answers = await twice;

        // Both are offered the update (the second keeps the first's grant); granted once, not twice.
        Assert.All(answers, answer => Assert.Equal("ok", answer.Element("updatecheck")!.Attribute("status")!.Value));
        var grants = await database.ReadAsync(
            connection => connection.ExecuteScalarAsync<long>(
                "SELECT COUNT(*) FROM instance_history WHERE machine_id = 'twice' AND status = 'UpdateGranted'"),
            CancellationToken.None);
        Assert.Equal(1, grants);
    }
}
