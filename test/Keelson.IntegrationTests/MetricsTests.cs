using System.Text.Json;
using System.Text.RegularExpressions;
using Keelson.IntegrationTests.Harness;
using Xunit.Abstractions;

namespace Keelson.IntegrationTests;

/// <summary>
/// A real Prometheus scrapes a running <c>keelson server</c> and a running <c>keelson-agent</c> (NativeAOT) and answers
/// queries about them; the Grafana dashboard in deploy/ asks only for metrics that Prometheus then holds.
/// </summary>
public sealed partial class MetricsTests(AgentBuild build, ITestOutputHelper log) : IClassFixture<AgentBuild>
{
    // The server's fleet sample runs at start and then once a minute; the machines gauge waits for the second one.
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(120);

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Prometheus_scrapes_the_server_and_the_native_agent_and_holds_every_metric_the_dashboard_queries()
    {
        await using var keelson = new KeelsonProcess(log);
        var server = await keelson.StartServerAsync();
        // A grant, a hold and a failure report from machines without an agent, so that every series the dashboard reads exists.
        await File.WriteAllBytesAsync(keelson.PathOf("payload.gz"), new byte[4096]);
        await keelson.SucceedAsync("package", "publish", "--version", "2.0.0", "--file", keelson.PathOf("payload.gz"));
        await keelson.SucceedAsync("channel", "set", "beta", "--version", "2.0.0");
        const string Granted = "aa000000000000000000000000000001";
        Assert.Equal("ok", (await OmahaCheck.PostAsync(server.Http, OmahaCheck.Request("request-updatecheck.xml", "1.0.0", "beta", Granted))).Status);
        Assert.Equal("noupdate", (await OmahaCheck.PostAsync(server.Http, OmahaCheck.Request("request-updatecheck.xml", "1.0.0", "nowhere", "aa000000000000000000000000000002"))).Status);
        await OmahaCheck.SendAsync(server.Http, OmahaCheck.Request("request-event-error.xml", "1.0.0", "beta", Granted));

        await keelson.SucceedAsync("payload", "keygen", "--out", "sign.key");
        var agentPort = LoopbackPorts.Next();
        await AgentDaemonTests.MakeMachineOnTrialAsync(keelson,
            $"GROUP=stable\nSERVER={server.Url}v1/update/\nKEELSON_TRUSTED_KEYS={keelson.PathOf("sign.key.pub")}\nKEELSON_METRICS_LISTEN=127.0.0.1:{agentPort}\n");
        var agent = keelson.StartProgram(build.Program,
            ["--config", "update.conf", "--disk", "disk.img", "--root", "root", "--state-dir", "state", "--health-delay", "1s", "--first-check", "2s"]);
        var prometheus = await RunningPrometheus.StartAsync(keelson, new Dictionary<string, string>
        {
            ["keelson-server"] = server.Url.Authority,
            ["keelson-agent"] = $"127.0.0.1:{agentPort}",
        });

        // The agent marked its trial boot good, checked (nothing newer on stable) and waits for the next check.
        await prometheus.WaitForValueAsync("keelson_agent_state{job=\"keelson-agent\", state=\"idle\"}", v => v == 1, s_timeout);
        var lastCheck = await prometheus.WaitForValueAsync("keelson_agent_last_check_timestamp_seconds{job=\"keelson-agent\"}", v => v > 0, s_timeout);
        await prometheus.WaitForValueAsync("keelson_agent_boot_info{job=\"keelson-agent\", slot=\"USR-B\", version=\"1.1.0\"}", v => v == 1, s_timeout);
        var states = await prometheus.QueryAsync("keelson_agent_state{job=\"keelson-agent\"}");
        // The server counted the agent's check with the others.
        await prometheus.WaitForValueAsync("sum(keelson_omaha_checks_total{job=\"keelson-server\", outcome=~\"routine|noupdate\"})", v => v >= 1, s_timeout);
        await prometheus.WaitForValueAsync("keelson_omaha_checks_total{job=\"keelson-server\", outcome=\"granted\"}", v => v == 1, s_timeout);
        await prometheus.WaitForValueAsync("keelson_omaha_grants_total{job=\"keelson-server\", group=\"beta\"}", v => v == 1, s_timeout);
        await prometheus.WaitForValueAsync("keelson_omaha_holds_total{job=\"keelson-server\", reason=\"no_group\"}", v => v == 1, s_timeout);
        await prometheus.WaitForValueAsync(
            "keelson_omaha_events_total{job=\"keelson-server\", type=\"update_complete\", result=\"error\", error_code=\"payload_hash_mismatch\"}", v => v == 1, s_timeout);
        await prometheus.WaitForValueAsync(
            "keelson_http_server_request_duration_seconds_count{job=\"keelson-server\", http_route=\"/v1/update/\", http_request_method=\"POST\"}", v => v >= 4, s_timeout);
        // The machine granted 2.0.0 reported a failure since: the fleet sample has it in Error.
        await prometheus.WaitForValueAsync("keelson_fleet_machines{job=\"keelson-server\", group=\"beta\", status=\"Error\", version=\"1.0.0\"}", v => v == 1, s_timeout);
        await prometheus.WaitForValueAsync("keelson_fleet_machines{job=\"keelson-server\", group=\"stable\", version=\"1.1.0\"}", v => v == 1, s_timeout);
        var names = await prometheus.NamesAsync();

        Assert.InRange(lastCheck, DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        Assert.Equal(11, states.Count);
        Assert.Equal(1, states.Sum(s => s.Value));
        Assert.False(agent.HasExited, agent.Describe());
        var queried = DashboardMetricNames();
        Assert.Contains("keelson_omaha_checks_total", queried);
        Assert.Contains("keelson_agent_state", queried);
        Assert.All(queried, name => Assert.True(names.Contains(name), $"the dashboard queries {name}, which Prometheus does not hold; it holds: {string.Join(", ", names.Where(n => n.StartsWith("keelson_", StringComparison.Ordinal)))}"));
    }

    /// <summary>The metric names deploy/grafana/keelson-fleet.json queries (histograms by their _bucket series), read from its JSON.</summary>
    private HashSet<string> DashboardMetricNames()
    {
        // tools/build-agent sits in the checkout's tools/.
        var checkout = Path.GetDirectoryName(Path.GetDirectoryName(build.Script))!;
        using var dashboard = JsonDocument.Parse(File.ReadAllText(Path.Combine(checkout, "deploy", "grafana", "keelson-fleet.json")));
        var expressions = new List<string>();
        foreach (var panel in dashboard.RootElement.GetProperty("panels").EnumerateArray())
        {
            Assert.Equal("${DS_PROMETHEUS}", panel.GetProperty("datasource").GetProperty("uid").GetString());
            expressions.AddRange(panel.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("expr").GetString()!));
        }

        foreach (var variable in dashboard.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray())
        {
            expressions.Add(variable.GetProperty("definition").GetString()!);
        }

        Assert.Equal("DS_PROMETHEUS", dashboard.RootElement.GetProperty("__inputs")[0].GetProperty("name").GetString());
        return [.. expressions.SelectMany(e => MetricName().Matches(e).Select(m => m.Value))];
    }

    [GeneratedRegex("keelson_[a-z0-9_]+")]
    private static partial Regex MetricName();
}
