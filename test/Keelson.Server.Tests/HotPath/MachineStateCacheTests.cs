using Keelson.Server.Storage;
using Keelson.Server.Updates;
using Microsoft.Extensions.Time.Testing;

namespace Keelson.Server.Tests.HotPath;

public sealed class MachineStateCacheTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));

    private static InstanceRow Row(string status) => new() { AppId = "app", MachineId = "m1", Status = status, UpdateVersion = "2.0.0" };

    [Fact]
    public void A_read_that_started_before_a_status_change_never_replaces_it()
    {
        var cache = new MachineStateCache(_time, TimeSpan.FromMinutes(10), 100);
        var readStarted = cache.StartRead();
        cache.Written(Row(InstanceStatus.UpdateGranted));

        cache.Remember("app", "m1", MachineState.Unknown, readStarted);

        Assert.Equal(InstanceStatus.UpdateGranted, cache.Find("app", "m1")!.Status);
    }

    [Fact]
    public void A_read_after_the_change_is_kept()
    {
        var cache = new MachineStateCache(_time, TimeSpan.FromMinutes(10), 100);
        cache.Written(Row(InstanceStatus.UpdateGranted));
        var readStarted = cache.StartRead();

        cache.Remember("app", "m1", MachineState.Of(Row(InstanceStatus.Downloading)), readStarted);

        Assert.Equal(InstanceStatus.Downloading, cache.Find("app", "m1")!.Status);
    }

    [Fact]
    public void A_forgotten_machine_is_read_again_and_an_older_read_cannot_bring_it_back()
    {
        var cache = new MachineStateCache(_time, TimeSpan.FromMinutes(10), 100);
        var readStarted = cache.StartRead();
        cache.Written(Row(InstanceStatus.Undefined));
        cache.Forget("app", "m1");

        cache.Remember("app", "m1", MachineState.Unknown, readStarted);

        Assert.Null(cache.Find("app", "m1"));
    }

    [Fact]
    public void Entries_expire_after_the_lifetime()
    {
        var cache = new MachineStateCache(_time, TimeSpan.FromSeconds(1), 100);
        cache.Written(Row(InstanceStatus.Complete));
        Assert.NotNull(cache.Find("app", "m1"));

        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Null(cache.Find("app", "m1"));
    }

    [Fact]
    public void Pruned_machines_are_forgotten_and_the_others_kept()
    {
        var cache = new MachineStateCache(_time, TimeSpan.FromMinutes(10), 100);
        cache.Written(Row(InstanceStatus.Complete));
        var kept = Row(InstanceStatus.Complete);
        kept.MachineId = "m2";
        cache.Written(kept);
        var readStarted = cache.StartRead();

        cache.Remove("app", ["m1"]);
        // A read that started before the prune may have found m1's deleted row: it is not kept.
        cache.Remember("app", "m1", MachineState.Of(Row(InstanceStatus.Complete)), readStarted);

        Assert.Null(cache.Find("app", "m1"));
        Assert.Equal(InstanceStatus.Complete, cache.Find("app", "m2")!.Status);
    }

    [Fact]
    public void A_clear_forgets_every_machine_and_reads_from_before_it()
    {
        var cache = new MachineStateCache(_time, TimeSpan.FromMinutes(10), 100);
        cache.Written(Row(InstanceStatus.Complete));
        var readStarted = cache.StartRead();
        cache.Clear();

        cache.Remember("app", "m2", MachineState.Unknown, readStarted);

        Assert.Null(cache.Find("app", "m1"));
        Assert.Null(cache.Find("app", "m2"));
    }

    [Fact]
    public void A_sqlite_store_has_one_server_process_so_its_entries_outlive_the_shared_store_second()
    {
        var folder = Directory.CreateTempSubdirectory("keelson-machine-cache-").FullName;
        try
        {
            using var database = Database.OpenSqlite(Path.Combine(folder, "test.db"));
            var cache = new MachineStateCache(database, _time);
            cache.Written(Row(InstanceStatus.Complete));

            _time.Advance(MachineStateCache.SharedStoreLifetime + TimeSpan.FromSeconds(1));

            Assert.NotNull(cache.Find("app", "m1"));
            _time.Advance(MachineStateCache.SingleProcessLifetime);
            Assert.Null(cache.Find("app", "m1"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
