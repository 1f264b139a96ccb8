using System.Text.Json;
using Keelson.IntegrationTests.Harness;
using Xunit.Abstractions;

namespace Keelson.IntegrationTests;

/// <summary>
/// Real etcd 3.4 members bootstrap through <c>keelson discovery serve</c> on loopback, as they would through
/// discovery.etcd.io: with the SQLite store and with the etcd store (a separate one-member etcd).
/// </summary>
public sealed class DiscoveryTests(ITestOutputHelper log)
{
    [Theory]
    [InlineData("sqlite")]
    [InlineData("etcd")]
    public async Task Three_members_started_with_one_token_form_a_healthy_cluster(string store)
    {
        await using var keelson = new KeelsonProcess(log);
        // The store is a cluster of its own, of three members: the service is given all three endpoints.
        await using var storeEtcd = store == "etcd" ? await EtcdCluster.StartStaticAsync(3, log) : null;
        using var discovery = await RunningDiscovery.StartAsync(keelson, StoreArgument(storeEtcd));
        var token = await discovery.NewTokenAsync(3);
        Assert.Matches($"^{Regex(discovery.Url)}[0-9a-f]{{32}}$", token.ToString());

        await using var cluster = new EtcdCluster(log);
        var members = Enumerable.Range(1, 3).Select(_ => cluster.StartWithDiscovery(token)).ToList();
        await cluster.WaitUntilHealthyAsync();

        await AssertFormedAsync(cluster, members);
        // The token lists the three registrations, each "name=peer-url" as etcd wrote it.
        var listed = await GetJsonAsync(discovery, token.AbsolutePath);
        var values = listed.GetProperty("node").GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("value").GetString()).Order().ToList();
        Assert.Equal(members.Select(m => m.InitialClusterEntry).Order(), values);
    }

    [Fact]
    public async Task A_fourth_member_finds_the_cluster_full_and_becomes_a_proxy_by_default()
    {
        await using var keelson = new KeelsonProcess(log);
        using var discovery = await RunningDiscovery.StartAsync(keelson, "sqlite:discovery.db");
        var token = await discovery.NewTokenAsync(3);
        await using var cluster = new EtcdCluster(log);
        var members = Enumerable.Range(1, 3).Select(_ => cluster.StartWithDiscovery(token)).ToList();
        await cluster.WaitUntilHealthyAsync(members);

        var fourth = cluster.StartWithDiscovery(token);
        // A proxy answers /health by asking the cluster.
        await fourth.WaitUntilHealthyAsync(EtcdCluster.StartTimeout);
        Assert.Contains("discovery cluster is full, falling back to proxy", fourth.Log, StringComparison.Ordinal);
        Assert.Contains("v2 proxy started listening on client requests", fourth.Log, StringComparison.Ordinal);

        // It did not join: three members, three registrations.
        await AssertFormedAsync(cluster, members);
        var listed = await GetJsonAsync(discovery, token.AbsolutePath);
        Assert.Equal(3, listed.GetProperty("node").GetProperty("nodes").GetArrayLength());
    }

    [Fact]
    public async Task A_fourth_member_with_fallback_exit_finds_the_cluster_full_and_exits()
    {
        await using var keelson = new KeelsonProcess(log);
        using var discovery = await RunningDiscovery.StartAsync(keelson, "sqlite:discovery.db");
        var token = await discovery.NewTokenAsync(3);
        await using var cluster = new EtcdCluster(log);
        var members = Enumerable.Range(1, 3).Select(_ => cluster.StartWithDiscovery(token)).ToList();
        await cluster.WaitUntilHealthyAsync(members);

        var fourth = cluster.StartWithDiscovery(token, arguments: ["--discovery-fallback", "exit"]);
        var exit = await fourth.WaitForExitAsync(EtcdCluster.StartTimeout);

        Assert.Equal(1, exit.ExitCode);
        Assert.Contains("failed to bootstrap; discovery token was already used", exit.StandardError, StringComparison.Ordinal);
        Assert.Contains("discovery: cluster is full", exit.StandardError, StringComparison.Ordinal);
        await AssertFormedAsync(cluster, members);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("etcd")]
    public async Task Restarting_the_discovery_service_while_members_wait_does_not_break_the_bootstrap(string store)
    {
        await using var keelson = new KeelsonProcess(log);
        await using var storeEtcd = store == "etcd" ? await EtcdCluster.StartStaticAsync(1, log) : null;
        using var discovery = await RunningDiscovery.StartAsync(keelson, StoreArgument(storeEtcd));
        var token = await discovery.NewTokenAsync(3);
        await using var cluster = new EtcdCluster(log);
        var first = cluster.StartWithDiscovery(token);
        var second = cluster.StartWithDiscovery(token);
        // Both registered, and each is now in its watch for the third, held by the service.
        await WaitForAsync(async () => (await GetJsonAsync(discovery, token.AbsolutePath)).GetProperty("node").TryGetProperty("nodes", out var nodes) && nodes.GetArrayLength() == 2, "two registrations");
        await WaitForAsync(() => Task.FromResult(Waiting(first) && Waiting(second)), "both members waiting for more peers");

        await discovery.RestartAsync();
        var third = cluster.StartWithDiscovery(token);
        await cluster.WaitUntilHealthyAsync();

        await AssertFormedAsync(cluster, [first, second, third]);
    }

    [Fact]
    public async Task A_member_restarted_after_the_bootstrap_rejoins_from_its_data_without_the_discovery_service()
    {
        await using var keelson = new KeelsonProcess(log);
        using var discovery = await RunningDiscovery.StartAsync(keelson, "sqlite:discovery.db");
        var token = await discovery.NewTokenAsync(3);
        await using var cluster = new EtcdCluster(log);
        var members = Enumerable.Range(1, 3).Select(_ => cluster.StartWithDiscovery(token)).ToList();
        await cluster.WaitUntilHealthyAsync();

        // The token is needed once: a member that restarts reads its data folder and never asks again.
        discovery.Kill();
        await members[1].RestartAsync();
        await cluster.WaitUntilHealthyAsync();

        await AssertFormedAsync(cluster, members);
        Assert.DoesNotContain("discovery server", members[1].Log, StringComparison.Ordinal);
        Assert.DoesNotContain("discovery service", members[1].Log, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--store", "discovery", "serve", "--store", "postgres:x")]
    [InlineData("--store", "discovery", "serve", "--store", "etcd:127.0.0.1:2379")]
    [InlineData("--token-max-age", "discovery", "serve", "--token-max-age", "0s")]
    [InlineData("--watch-timeout", "discovery", "serve", "--watch-timeout", "soon")]
    [InlineData("--listen", "discovery", "serve", "--listen", "notaurl")]
    [InlineData("--public-url", "discovery", "serve", "--public-url", "ftp://x")]
    public async Task Bad_flags_of_discovery_serve_are_usage_errors(string named, params string[] arguments)
    {
        await using var keelson = new KeelsonProcess(log);

        var result = await keelson.RunAsync(arguments);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(named, result.StandardError, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(keelson.Directory));
    }

    [Fact]
    public async Task An_unreachable_etcd_store_fails_the_start_with_exit_1()
    {
        await using var keelson = new KeelsonProcess(log);
        var port = LoopbackPorts.Next();

        var result = await keelson.RunAsync("discovery", "serve", "--listen", "http://127.0.0.1:0", "--store", $"etcd:http://127.0.0.1:{port}");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("the discovery service could not start", result.StandardError, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{port}", result.StandardError, StringComparison.Ordinal);
    }

    private static bool Waiting(EtcdMember member) =>
        member.Log.Contains("found peers from discovery server; waiting for more", StringComparison.Ordinal);

    /// <summary>Every member reports healthy through etcdctl, and the member list names exactly these members.</summary>
    private static async Task AssertFormedAsync(EtcdCluster cluster, IReadOnlyList<EtcdMember> members)
    {
        var endpoints = string.Join(',', members.Select(m => EtcdMember.Address(m.ClientUrl)));
        var health = await cluster.EtcdctlAsync(["endpoint", "health"], endpoints);
        Assert.True(health.ExitCode == 0, health.ToString());
        foreach (var member in members)
        {
            Assert.Contains($"{EtcdMember.Address(member.ClientUrl)} is healthy", health.StandardOutput + health.StandardError, StringComparison.Ordinal);
        }

        var list = await cluster.EtcdctlAsync(["member", "list"], endpoints);
        Assert.True(list.ExitCode == 0, list.ToString());
        var lines = list.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(members.Count, lines.Length);
        foreach (var member in members)
        {
            Assert.Contains(lines, line => line.Contains($", started, {member.Name}, {EtcdMember.Address(member.PeerUrl)},", StringComparison.Ordinal));
        }

        // And it serves: a write through one member is read through another.
        var put = await cluster.EtcdctlAsync(["put", "keelson/probe", "formed"], EtcdMember.Address(members[0].ClientUrl));
        Assert.True(put.ExitCode == 0, put.ToString());
        var get = await cluster.EtcdctlAsync(["get", "keelson/probe", "--print-value-only"], EtcdMember.Address(members[^1].ClientUrl));
        Assert.Equal("formed", get.StandardOutput.Trim());
    }

    private static string StoreArgument(EtcdCluster? storeEtcd) => storeEtcd is null ? "sqlite:discovery.db" : $"etcd:{storeEtcd.Endpoints}";

    private static async Task<JsonElement> GetJsonAsync(RunningDiscovery discovery, string path) =>
        Json.Parse(await discovery.Http.GetStringAsync($"{path}?recursive=true"));

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + EtcdCluster.StartTimeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"no {what} within {EtcdCluster.StartTimeout.TotalSeconds:0}s");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
    }

    private static string Regex(Uri url) => System.Text.RegularExpressions.Regex.Escape(url.ToString());
}
