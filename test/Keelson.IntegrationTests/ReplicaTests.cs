using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Xml.Linq;
using Keelson.IntegrationTests.Harness;
using Keelson.TestSupport;
using Npgsql;
using Xunit.Abstractions;

namespace Keelson.IntegrationTests;

/// <summary>
/// Two <c>keelson server</c> processes on one PostgreSQL (and one data folder) serve one fleet: the rollout limits
/// and the reboot slots hold across them, a change made through one is acted on by the other at once, and a
/// replica killed with SIGKILL loses nothing it answered.
/// </summary>
public sealed class ReplicaTests(ITestOutputHelper log)
{
    private const string App = "e96281a6-d1af-4bde-9a0a-97b76e56dc57";
    private const string Old = "2512.2.0";
    private const string New = "2605.10.0";

    [Fact]
    public async Task Limits_hold_for_500_machines_checking_concurrently_through_two_replicas()
    {
        await using var fleet = await ReplicatedFleet.StartAsync(log);
        await fleet.PublishAsync(New);
        await fleet.SetChannelAsync("stable", New);
        await fleet.PatchGroupAsync("stable", new { maxUpdatesPerPeriod = 25, period = "1h" });
        await fleet.CreateGroupAsync("canary", "stable");
        await fleet.PatchGroupAsync("canary", new { safeMode = true });
        var slots = await fleet.A.Http.SendAsync(Admin(fleet.A, HttpMethod.Put, "/api/reboot-locks/workers", new { slots = 3 }));
        Assert.Equal(HttpStatusCode.OK, slots.StatusCode);

        // 500 machines on the rate-limited track, 200 on the safe-mode track, 100 asking for a reboot slot: all at
        // once, each through the replica its number picks.
        using var lanes = new SemaphoreSlim(48);
        async Task<T> OneAtATime<T>(Func<Task<T>> work)
        {
            await lanes.WaitAsync();
            try
            {
                return await work();
            }
            finally
            {
                lanes.Release();
            }
        }

        var stable = Enumerable.Range(0, 500).Select(i => OneAtATime(() => fleet.CheckAsync(i % 2, $"rate-{i:D3}", Old, "stable")));
        var canary = Enumerable.Range(0, 200).Select(i => OneAtATime(() => fleet.CheckAsync(i % 2, $"safe-{i:D3}", Old, "canary")));
        var reboots = Enumerable.Range(0, 100).Select(i => OneAtATime(() => fleet.PreRebootAsync(i % 2, $"worker-{i:D3}", "workers")));
        var stableChecks = Task.WhenAll(stable);
        var canaryChecks = Task.WhenAll(canary);
        var rebootAnswers = Task.WhenAll(reboots);
        await Task.WhenAll(stableChecks, canaryChecks, rebootAnswers);

        var stableOffers = (await stableChecks).Count(c => c.Status == "ok");
        var canaryOffers = (await canaryChecks).Count(c => c.Status == "ok");
        var rebootsGranted = (await rebootAnswers).Count(status => status == HttpStatusCode.OK);
        log.WriteLine($"offers: stable {stableOffers} of 500 (limit 25 per hour), canary {canaryOffers} of 200 (safe mode); reboot slots granted {rebootsGranted} of 100 (3 slots)");

        // Counted in the database, per period: the grants recorded, and the slots held.
        Assert.Equal(25, await fleet.ScalarAsync("""
            SELECT COUNT(*) FROM instance_history h JOIN update_groups g ON g.id = h.group_id
            WHERE g.name = 'stable' AND h.status = 'UpdateGranted' AND h.created_at >= @since
            """, DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds()));
        Assert.Equal(1, await fleet.ScalarAsync("""
            SELECT COUNT(*) FROM instance_history h JOIN update_groups g ON g.id = h.group_id
            WHERE g.name = 'canary' AND h.status = 'UpdateGranted'
            """));
        Assert.Equal(3, await fleet.ScalarAsync("SELECT COUNT(*) FROM reboot_lock_holders WHERE group_name = 'workers'"));
        Assert.Equal((25, 1, 3), (stableOffers, canaryOffers, rebootsGranted));
        Assert.Equal(500 + 200, await fleet.ScalarAsync("SELECT COUNT(*) FROM instances"));
    }

    [Fact]
    public async Task A_promotion_or_a_pause_through_one_replica_is_acted_on_by_the_other_within_a_second()
    {
        await using var fleet = await ReplicatedFleet.StartAsync(log);
        await fleet.PublishAsync(Old);
        await fleet.PublishAsync(New);
        await fleet.SetChannelAsync("stable", Old);
        // B has answered this machine from its cached view of the group: up to date.
        Assert.Equal("noupdate", (await fleet.CheckAsync(1, "steady", Old, "stable")).Status);
        Assert.Equal("noupdate", (await fleet.CheckAsync(1, "steady", Old, "stable")).Status);

        await fleet.SetChannelAsync("stable", New);
        var promoted = await fleet.TimeUntilAsync(async () => (await fleet.CheckAsync(1, "steady", Old, "stable")).Status == "ok");
        log.WriteLine($"B offered the promoted release {promoted.TotalMilliseconds:0} ms after A's answer to the promotion");

        var paused = await fleet.A.Http.SendAsync(Admin(fleet.A, HttpMethod.Post, $"/api/apps/{App}/groups/stable/pause", new { }));
        Assert.True(paused.IsSuccessStatusCode, await paused.Content.ReadAsStringAsync());
        var held = await fleet.TimeUntilAsync(async () => (await fleet.CheckAsync(1, "late", Old, "stable")).Status == "noupdate");
        log.WriteLine($"B held a machine back {held.TotalMilliseconds:0} ms after A's answer to the pause");

        Assert.True(promoted < TimeSpan.FromSeconds(1), $"the promotion took {promoted} to reach the other replica");
        Assert.True(held < TimeSpan.FromSeconds(1), $"the pause took {held} to reach the other replica");
    }

    [Fact]
    public async Task A_download_report_through_one_replica_right_after_the_other_granted_moves_the_machine_that_replica_last_saw_up_to_date()
    {
        await using var fleet = await ReplicatedFleet.StartAsync(log);
        await fleet.PublishAsync(Old);
        await fleet.PublishAsync(New);
        await fleet.SetChannelAsync("stable", Old);
        // B answers the machine as up to date and keeps that in its cache of machine states (for a second)...
        var watch = Stopwatch.StartNew();
        Assert.Equal("noupdate", (await fleet.CheckAsync(1, "mover", Old, "stable")).Status);

        // ...A grants it the promoted release...
        await fleet.SetChannelAsync("stable", New);
        await fleet.TimeUntilAsync(async () => (await fleet.CheckAsync(0, "mover", Old, "stable")).Status == "ok");

        // ...and the machine's download report through B moves it: B judges an event from the row, not from its cache.
        await fleet.EventAsync(1, "mover", Old, type: 13, result: 1);
        log.WriteLine($"the report reached B {watch.ElapsedMilliseconds} ms after B last saw the machine up to date");
        Assert.Equal("Downloading", await fleet.StatusAsync(1, "mover"));
    }

    [Fact]
    public async Task A_replica_killed_with_SIGKILL_loses_no_status_change_it_answered()
    {
        await using var fleet = await ReplicatedFleet.StartAsync(log);
        await fleet.PublishAsync(New);
        await fleet.SetChannelAsync("stable", New);

        var granted = await fleet.CheckAsync(0, "survivor", Old, "stable");
        Assert.Equal("ok", granted.Status);
        await fleet.EventAsync(0, "survivor", Old, type: 13, result: 1);
        fleet.A.Kill();

        Assert.Equal("Downloading", await fleet.StatusAsync(1, "survivor"));
        // The machine carries on through B: its grant is still its own, its next event moves it on.
        var again = await fleet.CheckAsync(1, "survivor", Old, "stable");
        Assert.Equal(("ok", New), (again.Status, again.Version));
        await fleet.EventAsync(1, "survivor", Old, type: 14, result: 1);
        Assert.Equal("Downloaded", await fleet.StatusAsync(1, "survivor"));
    }

    [Fact]
    public async Task Behind_nginx_with_the_shipped_configuration_checks_go_on_when_a_replica_dies()
    {
        await using var fleet = await ReplicatedFleet.StartAsync(log, "--trusted-proxy", "127.0.0.1");
        await using var nginx = await Nginx.StartAsync(fleet.PathOf("nginx"), [fleet.A.Url, fleet.B.Url]);
        await fleet.PublishAsync(New);
        await fleet.SetChannelAsync("stable", New);
        using var proxied = new HttpClient { BaseAddress = nginx.Url };

        var first = await OmahaCheck.PostAsync(proxied, OmahaCheck.Request("request-updatecheck.xml", Old, "stable", "through-nginx"));
        Assert.Equal(("ok", New), (first.Status, first.Version));
        fleet.A.Kill();
        // nginx skips the dead replica: every check is answered, the grant is the machine's own on the other.
        for (var i = 0; i < 10; i++)
        {
            var again = await OmahaCheck.PostAsync(proxied, OmahaCheck.Request("request-updatecheck.xml", Old, "stable", "through-nginx"));
            Assert.Equal(("ok", New), (again.Status, again.Version));
        }

        Assert.Equal("UpdateGranted", await fleet.StatusAsync(1, "through-nginx"));
    }

    private static HttpRequestMessage Admin(RunningServer server, HttpMethod method, string path, object? body = null)
    {
        var request = server.AdminRequest(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return request;
    }

    /// <summary>Two replicas started one after the other on one fresh PostgreSQL database and one data folder.</summary>
    private sealed class ReplicatedFleet : IAsyncDisposable
    {
        private readonly KeelsonProcess _keelson;
        private readonly string _connectionString;
        private readonly RunningServer[] _replicas;

        private ReplicatedFleet(KeelsonProcess keelson, string connectionString, RunningServer a, RunningServer b)
        {
            _keelson = keelson;
            _connectionString = connectionString;
            _replicas = [a, b];
        }

        public RunningServer A => _replicas[0];
        public RunningServer B => _replicas[1];

        public string PathOf(string relative) => _keelson.PathOf(relative);

        public static async Task<ReplicatedFleet> StartAsync(ITestOutputHelper log, params string[] extraArguments)
        {
            var connectionString = await PostgresCluster.CreateDatabaseAsync();
            var keelson = new KeelsonProcess(log);
            // Hundreds of machines from this one address in seconds is what the limits against floods stop: off here, as in the benchmarks.
            string[] arguments = ["--database", connectionString, "--limit-checks", "0", "--limit-new-machines", "0", "--limit-fleetlock", "0", .. extraArguments];
            // The second starts after the first made the admin token in the shared folder.
            var a = await keelson.StartServerAsync("data", arguments);
            var b = await keelson.StartServerAsync("data", arguments);
            return new ReplicatedFleet(keelson, connectionString, a, b);
        }

        public async Task PublishAsync(string version)
        {
            var request = Admin(A, HttpMethod.Post, $"/api/apps/{App}/packages?version={version}&name=flatcar_production_update.gz");
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes($"payload of {version}"));
            request.Content.Headers.ContentType = new("application/octet-stream");
            var response = await A.Http.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        }

        public Task SetChannelAsync(string channel, string version) =>
            SucceedAsync(Admin(A, HttpMethod.Put, $"/api/apps/{App}/channels/{channel}", new { version }));

        public Task CreateGroupAsync(string name, string channel) =>
            SucceedAsync(Admin(A, HttpMethod.Post, $"/api/apps/{App}/groups", new { name, channel }));

        public Task PatchGroupAsync(string group, object change) =>
            SucceedAsync(Admin(A, HttpMethod.Patch, $"/api/apps/{App}/groups/{group}", change));

        private async Task SucceedAsync(HttpRequestMessage request)
        {
            var response = await A.Http.SendAsync(request);
            Assert.True(response.IsSuccessStatusCode, $"{request.Method} {request.RequestUri}: {await response.Content.ReadAsStringAsync()}");
        }

        public Task<OmahaCheck> CheckAsync(int replica, string machineId, string version, string track) =>
            OmahaCheck.PostAsync(_replicas[replica].Http, OmahaCheck.Request("request-updatecheck.xml", version, track, machineId));

        public async Task EventAsync(int replica, string machineId, string version, int type, int result)
        {
            var request = OmahaCheck.Request("request-event-download-started.xml", version, "stable", machineId);
            var omahaEvent = request.Root!.Element("app")!.Element("event")!;
            omahaEvent.SetAttributeValue("eventtype", type);
            omahaEvent.SetAttributeValue("eventresult", result);
            var answer = XDocument.Parse(await OmahaCheck.SendAsync(_replicas[replica].Http, request));
            Assert.Equal("ok", (string?)answer.Root!.Element("app")!.Element("event")!.Attribute("status"));
        }

        /// <summary>A machine's status as <paramref name="replica"/> reads it from the database.</summary>
        public async Task<string?> StatusAsync(int replica, string machineId)
        {
            var server = _replicas[replica];
            using var response = await server.Http.SendAsync(Admin(server, HttpMethod.Get, $"/api/apps/{App}/instances/{machineId}"));
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, text);
            return Json.Parse(text).GetProperty("instance").GetProperty("status").GetString();
        }

        public async Task<HttpStatusCode> PreRebootAsync(int replica, string id, string group)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/pre-reboot")
            {
                Content = new StringContent($$$"""{"client_params":{"id":"{{{id}}}","group":"{{{group}}}"}}""", Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("fleet-lock-protocol", "true");
            using var response = await _replicas[replica].Http.SendAsync(request);
            return response.StatusCode;
        }

        /// <summary>How long until <paramref name="condition"/> held, asking again every 20 ms for up to 10 s.</summary>
        public async Task<TimeSpan> TimeUntilAsync(Func<Task<bool>> condition)
        {
            var watch = Stopwatch.StartNew();
            while (!await condition())
            {
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), "the other replica did not act on the change within 10 s");
                await Task.Delay(20);
            }

            return watch.Elapsed;
        }

        public async Task<long> ScalarAsync(string sql, long? since = null)
        {
            await using var connection = new NpgsqlConnection(_connectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            if (since is { } value)
            {
                command.Parameters.AddWithValue("since", value);
            }

            return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        }

        public async ValueTask DisposeAsync() => await _keelson.DisposeAsync();
    }
}
