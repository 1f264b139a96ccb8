using Keelson.Coordination.Locks;
using Keelson.Server.FleetLock;
using Keelson.Server.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Keelson.Server.Tests.FleetLock;

public sealed class SqlFleetLockStoreTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("keelson-fleetlock-store-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
    private DatabaseLocation _location = null!;
    private Database _database = null!;
    private SqlFleetLockStore _store = null!;

    public async Task InitializeAsync()
    {
        _location = await TestDatabase.CreateAsync(_directory);
        _database = Database.Open(_location);
        await Migrations.ApplyAsync(_database, _time, CancellationToken.None);
        _store = new SqlFleetLockStore(_database, _time);
    }

    public Task DisposeAsync()
    {
        _database.Dispose();
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    private Task<LockOutcome> LockAsync(string id, string group = "default") => _store.LockAsync(group, id, CancellationToken.None);

    [Fact]
    public async Task A_group_nobody_configured_has_one_slot()
    {
        var first = await LockAsync("m1");
        var second = await LockAsync("m2");

        Assert.Equal(LockOutcome.Granted, first);
        Assert.Equal(LockOutcome.Refused("all 1 reboot slot of group 'default' are held: m1"), second);
    }

    [Fact]
    public async Task A_holder_asking_again_is_granted_without_taking_a_second_slot()
    {
        await _store.SetSlotsAsync("default", 2, CancellationToken.None);
        await LockAsync("m1");

        var again = await LockAsync("m1");
        var other = await LockAsync("m2");

        Assert.Equal((LockOutcome.StillHeld, LockOutcome.Granted), (again, other));
        Assert.Equal(["m1", "m2"], (await _store.GetAsync("default", CancellationToken.None)).Holders.Select(h => h.Id));
    }

    [Fact]
    public async Task Unlock_frees_the_slot_and_is_false_for_a_machine_holding_none()
    {
        await LockAsync("m1");

        var released = await _store.UnlockAsync("default", "m1", CancellationToken.None);
        var again = await _store.UnlockAsync("default", "m1", CancellationToken.None);
        var neverSeen = await _store.UnlockAsync("nobody-asked", "m1", CancellationToken.None);

        Assert.Equal((true, false, false), (released, again, neverSeen));
        Assert.Equal(LockOutcome.Granted, await LockAsync("m2"));
    }

    [Fact]
    public async Task Ids_and_groups_are_case_sensitive()
    {
        await LockAsync("m1", "db");

        Assert.Equal(LockOutcome.Granted, await LockAsync("M1", "DB"));
        Assert.False(await _store.UnlockAsync("db", "M1", CancellationToken.None));
    }

    [Fact]
    public async Task Lowering_the_slots_keeps_the_holders_and_refuses_newcomers_until_enough_have_left()
    {
        await _store.SetSlotsAsync("db", 3, CancellationToken.None);
        foreach (var id in new[] { "m1", "m2", "m3" })
        {
            Assert.Equal(LockOutcome.Granted, await LockAsync(id, "db"));
        }

        var lowered = await _store.SetSlotsAsync("db", 1, CancellationToken.None);
        await _store.UnlockAsync("db", "m1", CancellationToken.None);
        var stillFull = await LockAsync("m4", "db");
        await _store.UnlockAsync("db", "m2", CancellationToken.None);
        await _store.UnlockAsync("db", "m3", CancellationToken.None);
        var free = await LockAsync("m4", "db");

        Assert.Equal((1, 3), (lowered.Slots, lowered.Holders.Count));
        Assert.Equal(LockOutcome.Refused("all 1 reboot slot of group 'db' are held: m2, m3"), stillFull);
        Assert.Equal(LockOutcome.Granted, free);
    }

    [Fact]
    public async Task Zero_slots_stop_the_groups_reboots()
    {
        await _store.SetSlotsAsync("frozen", 0, CancellationToken.None);

        var outcome = await LockAsync("m1", "frozen");

        Assert.Equal(LockOutcome.Refused("group 'frozen' has 0 reboot slots: its reboots are stopped"), outcome);
    }

    [Fact]
    public async Task Concurrent_locks_never_grant_more_than_the_slots()
    {
        await _store.SetSlotsAsync("default", 3, CancellationToken.None);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(() => LockAsync($"m{i:D2}"))));

        Assert.Equal(3, outcomes.Count(o => o.Acquired));
        var info = await _store.GetAsync("default", CancellationToken.None);
        Assert.Equal(3, info.Holders.Count);
        Assert.All(outcomes.Where(o => !o.Acquired), o => Assert.StartsWith("all 3 reboot slots of group 'default' are held: ", o.Detail, StringComparison.Ordinal));
    }

    [Fact]
    public async Task List_shows_every_group_configured_or_asked_for_with_holders_oldest_first()
    {
        await _store.SetSlotsAsync("workers", 2, CancellationToken.None);
        await LockAsync("w2", "workers");
        _time.Advance(TimeSpan.FromMinutes(5));
        await LockAsync("w1", "workers");
        await LockAsync("m1");

        var groups = await _store.ListAllAsync(CancellationToken.None);

        Assert.Equal(["default", "workers"], groups.Select(g => g.Group));
        Assert.Equal(1, groups[0].Slots);
        var workers = groups[1];
        Assert.Equal(2, workers.Slots);
        Assert.Equal(
            [("w2", new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero)), ("w1", new DateTimeOffset(2026, 11, 23, 12, 5, 0, TimeSpan.Zero))],
            workers.Holders.Select(h => (h.Id, h.Since)));
    }

    [Fact]
    public async Task The_holders_survive_a_restart()
    {
        await LockAsync("m1");
        _database.Dispose();

        _database = Database.Open(_location);
        await Migrations.ApplyAsync(_database, _time, CancellationToken.None);
        var reopened = new SqlFleetLockStore(_database, _time);

        Assert.False((await reopened.LockAsync("default", "m2", CancellationToken.None)).Acquired);
        Assert.Equal(["m1"], (await reopened.GetAsync("default", CancellationToken.None)).Holders.Select(h => h.Id));
    }
}
