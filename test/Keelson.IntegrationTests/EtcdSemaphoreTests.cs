using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Keelson.Coordination.Etcd;
using Keelson.Coordination.Locks;
using Keelson.IntegrationTests.Harness;
using Xunit.Abstractions;

namespace Keelson.IntegrationTests;

/// <summary>
/// <see cref="EtcdSemaphore"/> and <see cref="EtcdConnection"/> against a real etcd 3.4 on loopback: the key and the
/// JSON locksmith uses, its compare-and-swap under contention (checked revision by revision), password
/// authentication and what an unreachable etcd looks like.
/// </summary>
public sealed class EtcdSemaphoreTests(ITestOutputHelper log)
{
    [Fact]
    public async Task The_semaphore_is_created_with_locksmiths_json_when_absent()
    {
        await using var etcd = await EtcdCluster.StartStaticAsync(1, log);
        using var connection = Connect(etcd);
        var semaphore = new EtcdSemaphore(connection, "");

        var state = await semaphore.GetAsync(CancellationToken.None);

        Assert.Equal(SemaphoreState.Initial, state);
        Assert.Equal("coreos.com/updateengine/rebootlock/semaphore", semaphore.Key);
        Assert.Equal("""{"semaphore":1,"max":1,"holders":null}""", await ValueAsync(etcd, semaphore.Key));
        Assert.Equal($"etcd semaphore group 'default' at {etcd.Endpoints}", semaphore.Description);
    }

    [Fact]
    public async Task An_existing_semaphore_is_read_not_overwritten()
    {
        await using var etcd = await EtcdCluster.StartStaticAsync(1, log);
        await etcd.EtcdctlSucceedAsync("put", EtcdSemaphore.DefaultKey, """{"semaphore":0,"max":2,"holders":["a","b"]}""");
        using var connection = Connect(etcd);

        var state = await new EtcdSemaphore(connection, "").GetAsync(CancellationToken.None);

        Assert.Equal(["a", "b"], state.Holders);
        Assert.Equal("""{"semaphore":0,"max":2,"holders":["a","b"]}""", await ValueAsync(etcd, EtcdSemaphore.DefaultKey));
    }

    [Fact]
    public async Task Lock_is_recursive_and_a_full_semaphore_is_refused_naming_its_holders()
    {
        await using var etcd = await EtcdCluster.StartStaticAsync(1, log);
        using var connection = Connect(etcd);
        IRebootLock rebootLock = new EtcdSemaphore(connection, "");
        Assert.Equal((1, 2), await ((EtcdSemaphore)rebootLock).SetMaxAsync(2, CancellationToken.None));

        Assert.Equal(LockOutcome.Took("1 of 2 slots held: m2", alreadyHeld: false), await rebootLock.LockAsync("m2", CancellationToken.None));
        Assert.Equal(LockOutcome.Took("2 of 2 slots held: m1, m2", alreadyHeld: false), await rebootLock.LockAsync("m1", CancellationToken.None));
        // Holding a slot already is acquired, even with the semaphore at zero.
        Assert.Equal(LockOutcome.Took("2 of 2 slots held: m1, m2", alreadyHeld: true), await rebootLock.LockAsync("m1", CancellationToken.None));
        var refused = await rebootLock.LockAsync("m3", CancellationToken.None);

        Assert.Equal(LockOutcome.Refused("all 2 slots are held: m1, m2"), refused);
        Assert.Equal("""{"semaphore":0,"max":2,"holders":["m1","m2"]}""", await ValueAsync(etcd, EtcdSemaphore.DefaultKey));
        Assert.Equal(UnlockOutcome.Released, await rebootLock.UnlockAsync("m1", CancellationToken.None));
        Assert.Equal(UnlockOutcome.NotHeld, await rebootLock.UnlockAsync("m1", CancellationToken.None));
        Assert.Equal("""{"semaphore":1,"max":2,"holders":["m2"]}""", await ValueAsync(etcd, EtcdSemaphore.DefaultKey));
    }

    [Fact]
    public async Task The_precise_outcomes_are_locksmiths()
    {
        await using var etcd = await EtcdCluster.StartStaticAsync(1, log);
        using var connection = Connect(etcd);
        var semaphore = new EtcdSemaphore(connection, "");

        Assert.Equal(SemaphoreOutcome.Done, (await semaphore.TryLockAsync("m1", CancellationToken.None)).Outcome);
        Assert.Equal(SemaphoreOutcome.AtZero, (await semaphore.TryLockAsync("m1", CancellationToken.None)).Outcome);
        await semaphore.SetMaxAsync(2, CancellationToken.None);
        Assert.Equal(SemaphoreOutcome.AlreadyHeld, (await semaphore.TryLockAsync("m1", CancellationToken.None)).Outcome);
        Assert.Equal(SemaphoreOutcome.NotHeld, (await semaphore.TryUnlockAsync("m2", CancellationToken.None)).Outcome);
        Assert.Equal(SemaphoreOutcome.Done, (await semaphore.TryUnlockAsync("m1", CancellationToken.None)).Outcome);
        Assert.Equal("""{"semaphore":2,"max":2,"holders":[]}""", await ValueAsync(etcd, EtcdSemaphore.DefaultKey));
    }

    [Fact]
    public async Task A_group_has_its_own_semaphore_under_its_query_escaped_name()
    {
        await using var etcd = await EtcdCluster.StartStaticAsync(1, log);
        using var connection = Connect(etcd);
        var group = new EtcdSemaphore(connection, "db servers/eu+1");

        Assert.True((await group.LockAsync("m1", CancellationToken.None)).Acquired);

        Assert.Equal("coreos.com/updateengine/rebootlock/groups/db+servers%2Feu%2B1/semaphore", group.Key);
        Assert.Equal("""{"semaphore":0,"max":1,"holders":["m1"]}""", await ValueAsync(etcd, group.Key));
        // The default semaphore is another key, untouched.
        Assert.Equal("", await ValueAsync(etcd, EtcdSemaphore.DefaultKey));
        Assert.True((await new EtcdSemaphore(connection, "").LockAsync("m2", CancellationToken.None)).Acquired);
        Assert.Equal("etcd semaphore group 'db servers/eu+1' at " + etcd.Endpoints, group.Description);
    }

    [Fact]
    public async Task Twenty_concurrent_lockers_never_hold_more_than_three_slots()
    {
        await using var etcd = await EtcdCluster.StartStaticAsync(1, log);
        using (var setup = Connect(etcd))
        {
            await new EtcdSemaphore(setup, "").SetMaxAsync(3, CancellationToken.None);
        }

        // Twenty machines, each with its own connection, each taking a slot, holding it briefly and giving it back.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var granted = 0;
        var refused = 0;
        var lockers = Enumerable.Range(1, 20).Select(i => Task.Run(async () =>
        {
            var id = $"machine-{i:D2}";
            using var connection = Connect(etcd);
            IRebootLock semaphore = new EtcdSemaphore(connection, "");
            while (true)
            {
                var outcome = await semaphore.LockAsync(id, deadline.Token);
                if (outcome.Acquired)
                {
                    Interlocked.Increment(ref granted);
                    await Task.Yield();
                    Assert.Equal(UnlockOutcome.Released, await semaphore.UnlockAsync(id, deadline.Token));
                    return;
                }

                Interlocked.Increment(ref refused);
                Assert.StartsWith("all 3 slots are held: ", outcome.Detail, StringComparison.Ordinal);
                await Task.Delay(Random.Shared.Next(5, 30), deadline.Token);
            }
        })).ToList();
        await Task.WhenAll(lockers);

        Assert.Equal(20, granted);
        log.WriteLine($"{refused} refusals on the way");

        // Every value the key ever had, one revision at a time.
        var history = await EtcdHistory.SemaphoreAsync(etcd, EtcdSemaphore.DefaultKey);
        Assert.Equal(SemaphoreState.Initial, history[0]);
        Assert.All(history.Skip(1), state =>
        {
            Assert.InRange(state.Holders.Count, 0, 3);
            Assert.Equal(3, state.Max);
            Assert.Equal(3 - state.Holders.Count, state.Available);
        });
        Assert.Contains(history, state => state.Holders.Count == 3);
        Assert.Equal(20, history.SelectMany(s => s.Holders).Distinct().Count());
        // Created, set to 3, then one lock and one unlock per machine: no lost or doubled write.
        Assert.Equal(2 + 40, history.Count);
        Assert.Equal("""{"semaphore":3,"max":3,"holders":[]}""", history[^1].ToString());
    }

    [Fact]
    public async Task A_stale_token_is_replaced_once_and_wrong_credentials_are_refused()
    {
        await using var etcd = await EtcdCluster.StartStaticAsync(1, log);
        await etcd.EtcdctlSucceedAsync("user", "add", "root:root-secret");
        await etcd.EtcdctlSucceedAsync("auth", "enable");
        var settings = new EtcdSettings([etcd.Members[0].ClientUrl]) { Username = "root", Password = "root-secret" };
        using var connection = EtcdConnection.Create(settings);
        var semaphore = new EtcdSemaphore(connection, "");
        Assert.True((await semaphore.LockAsync("m1", CancellationToken.None)).Acquired);

        // A new user moves etcd's auth revision: every token issued before is refused from now on.
        await etcd.EtcdctlSucceedAsync("--user=root:root-secret", "user", "add", "other:other-secret");
        Assert.Equal(UnlockOutcome.Released, await semaphore.UnlockAsync("m1", CancellationToken.None));

        using var wrong = EtcdConnection.Create(settings with { Password = "nope" });
        var refused = await Assert.ThrowsAsync<RebootLockException>(() => new EtcdSemaphore(wrong, "").GetAsync(CancellationToken.None));
        Assert.Equal(
            $"etcd at {etcd.Endpoints} refused the user name and password of 'root': etcdserver: authentication failed, invalid user ID or password",
            refused.Message);

        using var anonymous = Connect(etcd);
        var required = await Assert.ThrowsAsync<RebootLockException>(() => new EtcdSemaphore(anonymous, "").GetAsync(CancellationToken.None));
        Assert.Contains($"etcd at {etcd.Endpoints} requires authentication", required.Message, StringComparison.Ordinal);

        using var other = EtcdConnection.Create(settings with { Username = "other", Password = "other-secret" });
        var denied = await Assert.ThrowsAsync<RebootLockException>(() => new EtcdSemaphore(other, "").GetAsync(CancellationToken.None));
        Assert.Equal($"etcd at {etcd.Endpoints} denied user 'other' access: etcdserver: permission denied", denied.Message);
    }

    [Fact]
    public async Task Credentials_for_a_cluster_without_auth_are_not_an_error()
    {
        await using var etcd = await EtcdCluster.StartStaticAsync(1, log);
        using var connection = EtcdConnection.Create(new EtcdSettings([etcd.Members[0].ClientUrl]) { Username = "root", Password = "x" });

        Assert.Equal(SemaphoreState.Initial, await new EtcdSemaphore(connection, "").GetAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_refused_connection_is_unreachable_at_once_and_the_next_endpoint_is_tried()
    {
        await using var etcd = await EtcdCluster.StartStaticAsync(1, log);
        var closed = new Uri($"http://127.0.0.1:{LoopbackPorts.Next()}");
        using var dead = EtcdConnection.Create(new EtcdSettings([closed]));
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<RebootLockException>(() => new EtcdSemaphore(dead, "").GetAsync(CancellationToken.None));

        Assert.StartsWith($"etcd at {EtcdMember.Address(closed)} is unreachable (", error.Message, StringComparison.Ordinal);
        Assert.Contains("refused", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5));

        using var failover = EtcdConnection.Create(new EtcdSettings([closed, etcd.Members[0].ClientUrl]));
        Assert.Equal(SemaphoreState.Initial, await new EtcdSemaphore(failover, "").GetAsync(CancellationToken.None));
    }

    [Fact]
    public async Task An_endpoint_that_never_answers_fails_after_the_call_timeout()
    {
        // Accepts connections and says nothing, like a member behind a dropped route.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var endpoint = new Uri($"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}");
        using var connection = EtcdConnection.Create(new EtcdSettings([endpoint]) { CallTimeout = TimeSpan.FromSeconds(2) });
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<RebootLockException>(() => new EtcdSemaphore(connection, "").GetAsync(CancellationToken.None));

        Assert.Equal($"etcd at {EtcdMember.Address(endpoint)} is unreachable (no answer within 2s)", error.Message);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task A_key_holding_something_else_is_an_error_that_shows_it()
    {
        await using var etcd = await EtcdCluster.StartStaticAsync(1, log);
        await etcd.EtcdctlSucceedAsync("put", EtcdSemaphore.DefaultKey, "reboot-me");
        using var connection = Connect(etcd);

        var error = await Assert.ThrowsAsync<RebootLockException>(() => new EtcdSemaphore(connection, "").LockAsync("m1", CancellationToken.None));

        Assert.StartsWith($"etcd key {EtcdSemaphore.DefaultKey} (etcd at {etcd.Endpoints}) does not hold locksmith's semaphore: not locksmith's semaphore JSON: ", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("it holds: reboot-me", error.Message, StringComparison.Ordinal);
        Assert.Equal("reboot-me", await ValueAsync(etcd, EtcdSemaphore.DefaultKey));
    }

    [Fact]
    public void Bad_settings_are_refused_naming_what_is_wrong()
    {
        var endpoint = new Uri("http://127.0.0.1:2379");
        var missing = Path.Combine(Path.GetTempPath(), $"keelson-missing-{Guid.NewGuid():N}.pem");

        Assert.Equal(
            "'ftp://127.0.0.1:2379/' is not an etcd endpoint: expected http://HOST:PORT or https://HOST:PORT",
            Assert.Throws<RebootLockException>(() => EtcdConnection.Create(new EtcdSettings([new Uri("ftp://127.0.0.1:2379")]))).Message);
        Assert.Equal("no etcd endpoint was given", Assert.Throws<RebootLockException>(() => EtcdConnection.Create(new EtcdSettings([]))).Message);
        Assert.StartsWith(
            $"cannot read the etcd CA file '{missing}': ",
            Assert.Throws<RebootLockException>(() => EtcdConnection.Create(new EtcdSettings([endpoint]) { CaFile = missing })).Message,
            StringComparison.Ordinal);
        Assert.Equal(
            $"the etcd client certificate file '{missing}' was given without its key file",
            Assert.Throws<RebootLockException>(() => EtcdConnection.Create(new EtcdSettings([endpoint]) { CertFile = missing })).Message);
        Assert.Equal(
            "an etcd password was given without a user name",
            Assert.Throws<RebootLockException>(() => EtcdConnection.Create(new EtcdSettings([endpoint]) { Password = "x" })).Message);
        Assert.DoesNotContain("secret", new EtcdSettings([endpoint]) { Username = "u", Password = "secret" }.ToString(), StringComparison.Ordinal);
    }

    private static EtcdConnection Connect(EtcdCluster etcd) =>
        EtcdConnection.Create(new EtcdSettings([.. etcd.Members.Select(m => m.ClientUrl)]));

    private static async Task<string> ValueAsync(EtcdCluster etcd, string key)
    {
        var result = await etcd.EtcdctlAsync(["get", key, "--print-value-only"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.StandardOutput.TrimEnd('\n');
    }
}
