using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Keelson.IntegrationTests.Harness;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Keelson.IntegrationTests;

/// <summary>
/// FleetLock (Zincati's reboot-lock protocol) as machines see it: <c>keelson fleetlock serve</c> replicas on a real
/// etcd, and the update server's own endpoints with <c>keelson reboot-lock</c>.
/// </summary>
public sealed class FleetLockTests(ITestOutputHelper log)
{
    private const string ListeningPrefix = "keelson fleetlock listening on ";
    private const string DefaultKey = "com.coreos.airlock/groups/default/v1/semaphore";

    [Fact]
    public async Task Two_replicas_on_one_etcd_never_grant_more_than_the_slots_to_40_concurrent_machines()
    {
        await using var etcd = await EtcdCluster.StartStaticAsync(1, log);
        await using var keelson = new KeelsonProcess(log);
        // 40 machines polling every few milliseconds from this one address is what the per-address limit stops: off here.
        var replicas = await Task.WhenAll(
            StartFleetLockAsync(keelson, etcd, "--slots", "3", "--limit-fleetlock", "0"),
            StartFleetLockAsync(keelson, etcd, "--slots", "3", "--limit-fleetlock", "0"));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var holding = 0;
        var mostHolding = 0;
        var refusals = 0;
        var grantedIds = new ConcurrentBag<string>();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));

        // Each machine asks one replica or the other until it gets a slot, asks again (a recursive lock), holds the
        // slot for a moment as a reboot would, and releases it through the other replica.
        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(async () =>
        {
            var id = $"machine-{i:D2}";
            for (var attempt = 0; ; attempt++)
            {
                var answer = await PostAsync(http, replicas[(i + attempt) % 2], "/v1/pre-reboot", Body(id), cancellationToken: deadline.Token);
                if (answer.Status == HttpStatusCode.OK)
                {
                    break;
                }

                Assert.True(answer.Status == HttpStatusCode.Conflict, $"{id}: {answer}");
                Assert.Equal("failed_lock_semaphore_full", answer.Kind);
                Interlocked.Increment(ref refusals);
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 40)), deadline.Token);
            }

            // Between the grant and the release this machine is a holder in etcd, so these never exceed the slots.
            var now = Interlocked.Increment(ref holding);
            InterlockedMax(ref mostHolding, now);
            grantedIds.Add(id);
            var again = await PostAsync(http, replicas[(i + 1) % 2], "/v1/pre-reboot", Body(id), cancellationToken: deadline.Token);
            Assert.True(again.Status == HttpStatusCode.OK, $"{id} asking again: {again}");
            await Task.Delay(TimeSpan.FromMilliseconds(20), deadline.Token);
            Interlocked.Decrement(ref holding);
            var released = await PostAsync(http, replicas[i % 2], "/v1/steady-state", Body(id), cancellationToken: deadline.Token);
            Assert.True(released.Status == HttpStatusCode.OK, $"{id} releasing: {released}");
        }, deadline.Token)));

        Assert.Equal(40, grantedIds.Distinct().Count());
        Assert.InRange(mostHolding, 1, 3);
        Assert.True(refusals > 0, "40 machines on 3 slots were never refused: the test did not contend");

        // The semaphore at every revision etcd kept, read with etcdctl: never more holders than slots.
        var history = await HistoryAsync(etcd, DefaultKey);
        Assert.All(history, state => Assert.True(
            state.Holders.Count <= 3 && state.TotalSlots == 3,
            $"revision {state.Revision}: {state.Holders.Count} holders of {state.TotalSlots} slots ({string.Join(", ", state.Holders)})"));
        Assert.Equal(3, history.Max(s => s.Holders.Count));
        Assert.Equal(Enumerable.Range(0, 40).Select(i => $"machine-{i:D2}"), history.SelectMany(s => s.Holders).Distinct().Order(StringComparer.Ordinal));
        Assert.Empty(history[^1].Holders);
        // 40 grants and 40 releases, each one write; recursive locks and refusals write nothing.
        Assert.Equal(1 + 80, history.Count);
    }

    [Fact]
    public async Task A_replica_keeps_Airlocks_layout_locks_recursively_and_frees_on_steady_state()
    {
        await using var etcd = await EtcdCluster.StartStaticAsync(1, log);
        await using var keelson = new KeelsonProcess(log);
        var replica = await StartFleetLockAsync(keelson, etcd, "--slots", "1", "--group-slots", "workers=2");
        using var http = new HttpClient();

        var m1 = await PostAsync(http, replica, "/v1/pre-reboot", Body("m1"));
        var m1Again = await PostAsync(http, replica, "/v1/pre-reboot", Body("m1"));
        var m2 = await PostAsync(http, replica, "/v1/pre-reboot", Body("m2"));
        var stored = await GetValueAsync(etcd, DefaultKey);

        Assert.Equal(HttpStatusCode.OK, m1.Status);
        Assert.Equal(HttpStatusCode.OK, m1Again.Status);
        Assert.Equal((HttpStatusCode.Conflict, "failed_lock_semaphore_full"), (m2.Status, m2.Kind));
        Assert.Contains("m1", m2.Value, StringComparison.Ordinal);
        Assert.Equal("""{"total_slots":1,"holders":["m1"]}""", stored);

        var released = await PostAsync(http, replica, "/v1/steady-state", Body("m1"));
        var notHeld = await PostAsync(http, replica, "/v1/steady-state", Body("m1"));
        var m2After = await PostAsync(http, replica, "/v1/pre-reboot", Body("m2"));
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK), (released.Status, notHeld.Status, m2After.Status));
        Assert.Equal("""{"total_slots":1,"holders":["m2"]}""", await GetValueAsync(etcd, DefaultKey));

        // A group of its own, with the slots --group-slots gave it.
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(http, replica, "/v1/pre-reboot", Body("w2", "workers"))).Status);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(http, replica, "/v1/pre-reboot", Body("w1", "workers"))).Status);
        Assert.Equal(HttpStatusCode.Conflict, (await PostAsync(http, replica, "/v1/pre-reboot", Body("w3", "workers"))).Status);
        Assert.Equal("""{"total_slots":2,"holders":["w1","w2"]}""", await GetValueAsync(etcd, "com.coreos.airlock/groups/workers/v1/semaphore"));
    }

    [Fact]
    public async Task A_new_group_beyond_the_cap_is_refused_429_and_no_semaphore_is_made_in_etcd()
    {
        await using var etcd = await EtcdCluster.StartStaticAsync(1, log);
        await using var keelson = new KeelsonProcess(log);
        var replica = await StartFleetLockAsync(keelson, etcd, "--limit-fleetlock-groups", "2");
        using var http = new HttpClient();

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(http, replica, "/v1/pre-reboot", Body("m1", "g1"))).Status);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(http, replica, "/v1/pre-reboot", Body("m2", "g2"))).Status);
        var refused = await PostAsync(http, replica, "/v1/pre-reboot", Body("m3", "g3"));

        Assert.Equal((HttpStatusCode.TooManyRequests, "limit_reached"), (refused.Status, refused.Kind));
        Assert.Contains("limit 'fleetlock-groups': at most 2 FleetLock groups (set by --limit-fleetlock-groups", refused.Value, StringComparison.Ordinal);
        var keys = await etcd.EtcdctlSucceedAsync("get", "--prefix", "--keys-only", "com.coreos.airlock/groups/");
        Assert.DoesNotContain("g3", keys.StandardOutput, StringComparison.Ordinal);
        // A group that exists keeps working.
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(http, replica, "/v1/steady-state", Body("m1", "g1"))).Status);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(http, replica, "/v1/pre-reboot", Body("m4", "g1"))).Status);
    }

    [Fact]
    public async Task A_semaphore_already_in_etcd_is_shared_and_one_that_is_not_Airlocks_JSON_answers_503()
    {
        await using var etcd = await EtcdCluster.StartStaticAsync(1, log);
        await using var keelson = new KeelsonProcess(log);
        // As another FleetLock server on the same etcd left it; the configured slots win on the next change.
        await etcd.EtcdctlSucceedAsync("put", DefaultKey, """{"total_slots":5,"holders":["other-machine"]}""");
        await etcd.EtcdctlSucceedAsync("put", "com.coreos.airlock/groups/broken/v1/semaphore", "not json");
        var replica = await StartFleetLockAsync(keelson, etcd, "--slots", "2");
        using var http = new HttpClient();

        var m1 = await PostAsync(http, replica, "/v1/pre-reboot", Body("m1"));
        var m2 = await PostAsync(http, replica, "/v1/pre-reboot", Body("m2"));
        var broken = await PostAsync(http, replica, "/v1/pre-reboot", Body("m1", "broken"));

        Assert.Equal(HttpStatusCode.OK, m1.Status);
        Assert.Equal("""{"total_slots":2,"holders":["m1","other-machine"]}""", await GetValueAsync(etcd, DefaultKey));
        Assert.Equal((HttpStatusCode.Conflict, "all 2 reboot slots of group 'default' are held: m1, other-machine"), (m2.Status, m2.Value));
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "lock_store_failed"), (broken.Status, broken.Kind));
        Assert.Contains("com.coreos.airlock/groups/broken/v1/semaphore", broken.Value, StringComparison.Ordinal);
        Assert.Equal("not json", await GetValueAsync(etcd, "com.coreos.airlock/groups/broken/v1/semaphore"));
    }

    [Fact]
    public async Task Bad_bodies_ids_groups_and_a_missing_header_get_400_with_a_JSON_kind()
    {
        await using var etcd = await EtcdCluster.StartStaticAsync(1, log);
        await using var keelson = new KeelsonProcess(log);
        var replica = await StartFleetLockAsync(keelson, etcd);
        using var http = new HttpClient();
        string[] bodies =
        [
            "",
            "{",
            """{"client_params":{"id":"m1","group":"default"}} trailing""",
            """{"client_params":null}""",
            """{"client_params":{"group":"default"}}""",
            """{"client_params":{"id":"","group":"default"}}""",
            """{"client_params":{"id":["m1"],"group":"default"}}""",
            """{"client_params":{"id":"m1","group":""}}""",
            """{"client_params":{"id":"m1","group":"web/servers"}}""",
            """{"client_params":{"id":"m1","group":"web servers"}}""",
        ];

        foreach (var path in new[] { "/v1/pre-reboot", "/v1/steady-state" })
        {
            foreach (var body in bodies)
            {
                var answer = await PostAsync(http, replica, path, body);
                Assert.True(answer.Status == HttpStatusCode.BadRequest && answer.Kind == "invalid_client_identity", $"{path} {body}: {answer}");
            }

            var noHeader = await PostAsync(http, replica, path, Body("m1"), header: null);
            var wrongHeader = await PostAsync(http, replica, path, Body("m1"), header: "yes");
            Assert.Equal((HttpStatusCode.BadRequest, "invalid_client_identity"), (noHeader.Status, noHeader.Kind));
            Assert.Contains("fleet-lock-protocol", noHeader.Value, StringComparison.Ordinal);
            Assert.Equal((HttpStatusCode.BadRequest, "invalid_client_identity"), (wrongHeader.Status, wrongHeader.Kind));
        }

        // Nothing was written: no semaphore exists.
        var keys = await etcd.EtcdctlSucceedAsync("get", "com.coreos.airlock/", "--prefix", "--keys-only");
        Assert.Equal("", keys.StandardOutput.Trim());
        using var health = await http.GetAsync(new Uri(replica, "/health"));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task A_replica_reaches_an_etcd_that_requires_TLS_client_certificates()
    {
        await using var etcd = await EtcdCluster.StartTlsAsync(1, log);
        await using var keelson = new KeelsonProcess(log);
        var tls = etcd.Tls!;
        var withoutCertificate = await keelson.RunAsync(
            "fleetlock", "serve", "--listen", "http://127.0.0.1:0", "--etcd", etcd.Endpoints, "--etcd-cafile", tls.CaFile);
        var replica = await StartFleetLockAsync(keelson, etcd,
            "--etcd-cafile", tls.CaFile, "--etcd-certfile", tls.ClientCertFile, "--etcd-keyfile", tls.ClientKeyFile);
        using var http = new HttpClient();

        var granted = await PostAsync(http, replica, "/v1/pre-reboot", Body("m1"));

        Assert.Equal(1, withoutCertificate.ExitCode);
        Assert.Contains("the FleetLock server could not start: etcd at https://127.0.0.1:", withoutCertificate.StandardError, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, granted.Status);
        Assert.Equal("""{"total_slots":1,"holders":["m1"]}""", await GetValueAsync(etcd, DefaultKey));
    }

    [Fact]
    public async Task Serve_refuses_bad_flags()
    {
        await using var keelson = new KeelsonProcess(log);

        var badGroup = await keelson.RunAsync("fleetlock", "serve", "--etcd", "http://127.0.0.1:2379", "--group-slots", "web_servers=2");
        var badSlots = await keelson.RunAsync("fleetlock", "serve", "--etcd", "http://127.0.0.1:2379", "--slots", "-1");
        var noEtcd = await keelson.RunAsync("fleetlock", "serve", "--listen", "http://127.0.0.1:0");

        Assert.Equal(2, badGroup.ExitCode);
        Assert.Contains("--group-slots group 'web_servers' must match", badGroup.StandardError, StringComparison.Ordinal);
        Assert.Equal(2, badSlots.ExitCode);
        Assert.Equal(2, noEtcd.ExitCode);
        Assert.Contains("--etcd", noEtcd.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_waits_for_an_etcd_that_is_not_up_yet_answers_503_meanwhile_and_serves_once_it_answers()
    {
        await using var keelson = new KeelsonProcess(log);
        await using var etcd = new EtcdCluster(log);
        var member = etcd.AddMember();
        var endpoint = EtcdMember.Address(member.ClientUrl);

        var process = keelson.Start(["fleetlock", "serve", "--listen", "http://127.0.0.1:0", "--etcd", endpoint]);
        var listening = await process.WaitForLineAsync(l => l.StartsWith(ListeningPrefix, StringComparison.Ordinal), KeelsonProcess.StartTimeout);
        var url = new Uri(listening[ListeningPrefix.Length..].Trim());
        // Each wait is logged with the endpoint; the server keeps running.
        await process.WaitForLineAsync(l => l.Contains($"waiting for etcd: etcd at {endpoint} is unreachable", StringComparison.Ordinal), KeelsonProcess.StartTimeout);
        await process.WaitForLineAsync(l => l.Contains("next try in 2 s", StringComparison.Ordinal), KeelsonProcess.StartTimeout);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var meanwhile = await PostAsync(http, url, "/v1/pre-reboot", Body("m1"));
        var answeredIn = clock.Elapsed;

        member.Start();
        await member.WaitUntilHealthyAsync(EtcdCluster.StartTimeout);
        await process.WaitForLineAsync(l => l.StartsWith("serving: ", StringComparison.Ordinal), KeelsonProcess.StartTimeout);
        var granted = await PostAsync(http, url, "/v1/pre-reboot", Body("m1"));

        Assert.Equal((HttpStatusCode.ServiceUnavailable, "lock_store_failed"), (meanwhile.Status, meanwhile.Kind));
        Assert.Contains($"waits for etcd at {endpoint} to answer", meanwhile.Value, StringComparison.Ordinal);
        Assert.True(answeredIn < TimeSpan.FromSeconds(2), $"the refusal took {answeredIn}");
        Assert.False(process.HasExited, process.Describe());
        Assert.Equal(HttpStatusCode.OK, granted.Status);
        Assert.Equal("""{"total_slots":1,"holders":["m1"]}""", await GetValueAsync(etcd, DefaultKey));
        Assert.Contains($"serving: etcd at {endpoint} answers", process.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_update_server_serves_FleetLock_and_reboot_lock_set_list_release_manage_it()
    {
        await using var keelson = new KeelsonProcess(log);
        var server = await keelson.StartServerAsync();
        using var http = new HttpClient();

        var set = await keelson.SucceedAsync("reboot-lock", "set", "workers", "--slots", "2");
        Assert.Contains("slots:   2", set.StandardOutput, StringComparison.Ordinal);
        foreach (var id in new[] { "w1", "w2" })
        {
            Assert.Equal(HttpStatusCode.OK, (await PostAsync(http, server.Url, "/v1/pre-reboot", Body(id, "workers"))).Status);
        }

        var full = await PostAsync(http, server.Url, "/v1/pre-reboot", Body("w3", "workers"));
        var defaultGroup = await PostAsync(http, server.Url, "/v1/pre-reboot", Body("d1"));
        var list = await keelson.SucceedAsync("reboot-lock", "list");
        var json = Json.Parse((await keelson.SucceedAsync("reboot-lock", "list", "--json")).StandardOutput);

        Assert.Equal((HttpStatusCode.Conflict, "failed_lock_semaphore_full", "all 2 reboot slots of group 'workers' are held: w1, w2"), (full.Status, full.Kind, full.Value));
        Assert.Equal(HttpStatusCode.OK, defaultGroup.Status);
        Assert.Equal(
            ["GROUP    SLOTS  HELD  HOLDERS", "default  1      1     d1", "workers  2      2     w1, w2"],
            list.StandardOutput.TrimEnd('\n').Split('\n'));
        var workers = Json.Find(json, "group", "workers");
        Assert.Equal(2, workers.GetProperty("slots").GetInt32());
        Assert.Equal(["w1", "w2"], workers.GetProperty("holders").EnumerateArray().Select(h => h.GetProperty("id").GetString()));

        var release = await keelson.SucceedAsync("reboot-lock", "release", "workers", "w1");
        Assert.Contains("released the reboot slot of 'w1' in group 'workers'", release.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(http, server.Url, "/v1/pre-reboot", Body("w3", "workers"))).Status);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(http, server.Url, "/v1/steady-state", Body("w2", "workers"))).Status);
        var after = Json.Find(Json.Parse((await keelson.SucceedAsync("reboot-lock", "list", "--json")).StandardOutput), "group", "workers");
        Assert.Equal(["w3"], after.GetProperty("holders").EnumerateArray().Select(h => h.GetProperty("id").GetString()));

        var notHeld = await keelson.RunAsync("reboot-lock", "release", "workers", "w1");
        var badSlots = await keelson.RunAsync("reboot-lock", "set", "workers", "--slots", "-1");
        var badGroup = await keelson.RunAsync("reboot-lock", "set", "web_servers", "--slots", "1");
        var bad = await PostAsync(http, server.Url, "/v1/pre-reboot", """{"client_params":{"id":"w9"}}""");
        Assert.Equal(1, notHeld.ExitCode);
        Assert.Contains("'w1' holds no reboot slot of group 'workers' (404 Not Found)", notHeld.StandardError, StringComparison.Ordinal);
        Assert.Equal(2, badSlots.ExitCode);
        Assert.Equal(2, badGroup.ExitCode);
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_client_identity"), (bad.Status, bad.Kind));
    }

    private async Task<Uri> StartFleetLockAsync(KeelsonProcess keelson, EtcdCluster etcd, params string[] arguments)
    {
        var process = keelson.Start(["fleetlock", "serve", "--listen", "http://127.0.0.1:0", "--etcd", etcd.Endpoints, .. arguments]);
        var line = await process.WaitForLineAsync(l => l.StartsWith(ListeningPrefix, StringComparison.Ordinal), KeelsonProcess.StartTimeout);
        var url = new Uri(line[ListeningPrefix.Length..].Trim());
        await process.WaitForLineAsync(l => l.StartsWith("serving: ", StringComparison.Ordinal), KeelsonProcess.StartTimeout);
        using var http = new HttpClient();
        using var health = await http.GetAsync(new Uri(url, "/health"));
        Assert.True(health.StatusCode == HttpStatusCode.OK, process.Describe());
        log.WriteLine($"fleetlock replica at {url}");
        return url;
    }

    private static string Body(string id, string group = "default") => $$$"""{"client_params":{"id":"{{{id}}}","group":"{{{group}}}"}}""";

    private static async Task<Answer> PostAsync(
        HttpClient http, Uri server, string path, string body, string? header = "true", CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server, path))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (header is not null)
        {
            request.Headers.Add("fleet-lock-protocol", header);
        }

        using var response = await http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (text.Length == 0)
        {
            return new Answer(response.StatusCode, null, null);
        }

        var json = Json.Parse(text);
        return new Answer(response.StatusCode, json.GetProperty("kind").GetString(), json.GetProperty("value").GetString());
    }

    private static async Task<string> GetValueAsync(EtcdCluster etcd, string key) =>
        (await etcd.EtcdctlSucceedAsync("get", key, "--print-value-only")).StandardOutput.Trim();

    /// <summary>The key's value at every revision from its creation to now (etcd keeps them all until compacted).</summary>
    private static async Task<List<SemaphoreAt>> HistoryAsync(EtcdCluster etcd, string key)
    {
        var now = Json.Parse((await etcd.EtcdctlSucceedAsync("get", key, "-w", "json")).StandardOutput);
        var kv = now.GetProperty("kvs")[0];
        var created = kv.GetProperty("create_revision").GetInt64();
        var modified = kv.GetProperty("mod_revision").GetInt64();
        var states = new ConcurrentBag<SemaphoreAt>();
        await Parallel.ForEachAsync(
            LongRange(created, modified),
            new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (revision, _) =>
            {
                var value = (await etcd.EtcdctlSucceedAsync("get", key, "--rev", revision.ToString(CultureInfo.InvariantCulture), "--print-value-only"))
                    .StandardOutput.Trim();
                if (value.Length == 0)
                {
                    throw new XunitException($"{key} has no value at revision {revision}");
                }

                using var document = JsonDocument.Parse(value);
                states.Add(new SemaphoreAt(
                    revision,
                    document.RootElement.GetProperty("total_slots").GetInt32(),
                    [.. document.RootElement.GetProperty("holders").EnumerateArray().Select(h => h.GetString()!)]));
            });
        return [.. states.OrderBy(s => s.Revision)];
    }

    private static IEnumerable<long> LongRange(long from, long to)
    {
        for (var value = from; value <= to; value++)
        {
            yield return value;
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    private sealed record Answer(HttpStatusCode Status, string? Kind, string? Value);

    private sealed record SemaphoreAt(long Revision, int TotalSlots, IReadOnlyList<string> Holders);
}
