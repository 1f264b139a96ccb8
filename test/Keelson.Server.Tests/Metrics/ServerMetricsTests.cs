using System.Net;
using Keelson.Metrics;
using Keelson.Server.Metrics;
using Keelson.Server.Rollout;
using Keelson.Server.Updates;
using Keelson.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace Keelson.Server.Tests.Metrics;

[Collection(MetricsCollection.Name)]
public sealed class ServerMetricsTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Checks_are_counted_by_outcome_grants_by_group_holds_by_reason_and_events_by_code()
    {
        await _server.PublishAsync("2605.10.0");
        await _server.SetChannelAsync("stable", "2605.10.0");

        await _server.CheckAsync("a0000000000000000000000000000001", "2512.2.0");   // granted
        await _server.CheckAsync("a0000000000000000000000000000001", "2512.2.0");   // asks again: offered again
        await _server.EventAsync("a0000000000000000000000000000001", "2512.2.0", 3, 0, errorCode: 10 | (1L << 28)); // hash mismatch, test-URL flag
        await _server.CheckAsync("a0000000000000000000000000000002", "2605.10.0");  // up to date: routine
        await _server.CheckAsync("a0000000000000000000000000000003", "2605.10.0");  // routine
        await _server.CheckAsync("a0000000000000000000000000000004", "2512.2.0", track: "nowhere"); // no group: held
        Assert.True((await _server.Http.PostAsync($"{_server.AppPath}/groups/stable/pause", null)).IsSuccessStatusCode);
        await _server.CheckAsync("a0000000000000000000000000000005", "2512.2.0");   // paused: held
        var (unknown, _, _) = await _server.PostOmahaAsync(OmahaXml.Request("a0000000000000000000000000000006", "1.0.0", "stable",
            "<updatecheck></updatecheck>", appId: "{00000000-0000-0000-0000-000000000001}"));
        Assert.Equal(HttpStatusCode.OK, unknown);
        var (malformed, _, _) = await _server.PostOmahaAsync("<request protocol=\"3.0\"><app");
        Assert.Equal(HttpStatusCode.BadRequest, malformed);

        var metrics = await ScrapeAsync();

        Assert.Equal(1, metrics.Value("keelson_omaha_checks_total", ("outcome", CheckOutcomes.Granted)));
        Assert.Equal(1, metrics.Value("keelson_omaha_checks_total", ("outcome", CheckOutcomes.Reoffered)));
        Assert.Equal(2, metrics.Value("keelson_omaha_checks_total", ("outcome", CheckOutcomes.Routine)));
        Assert.Equal(2, metrics.Value("keelson_omaha_checks_total", ("outcome", CheckOutcomes.Held)));
        Assert.Equal(1, metrics.Value("keelson_omaha_checks_total", ("outcome", CheckOutcomes.EventsOnly)));
        Assert.Equal(1, metrics.Value("keelson_omaha_checks_total", ("outcome", CheckOutcomes.UnknownApp)));
        Assert.Equal(1, metrics.Value("keelson_omaha_checks_total", ("outcome", CheckOutcomes.Refused)));
        Assert.Null(metrics.Value("keelson_omaha_checks_total", ("outcome", CheckOutcomes.Error)));
        Assert.Equal(1, metrics.Value("keelson_omaha_grants_total", ("group", "stable")));
        Assert.Equal(1, metrics.Value("keelson_omaha_holds_total", ("reason", HoldReasons.Paused)));
        Assert.Equal(1, metrics.Value("keelson_omaha_holds_total", ("reason", HoldReasons.NoGroup)));
        Assert.Equal(1, metrics.Value("keelson_omaha_events_total", ("type", "update_complete"), ("result", "error"), ("error_code", "payload_hash_mismatch")));
        // Every check sends update_engine's "rebooted into it" event (3, result 2) besides the update check.
        Assert.Equal(6, metrics.Value("keelson_omaha_events_total", ("type", "update_complete"), ("result", "success_reboot")));
        Assert.Equal("counter", metrics.Types["keelson_omaha_checks_total"]);
        Assert.Contains("by outcome", metrics.Help["keelson_omaha_checks_total"], StringComparison.Ordinal);
        Assert.All(metrics.Samples.Where(s => s.Name.StartsWith("keelson_omaha_", StringComparison.Ordinal)),
            s => Assert.DoesNotContain(s.Labels.Values, v => v.StartsWith("a0000000", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Request_durations_are_per_route_and_store_latency_per_operation()
    {
        for (var i = 0; i < 3; i++)
        {
            await _server.CheckAsync($"b000000000000000000000000000000{i}", "2512.2.0");
        }

        await _server.Http.GetAsync($"{_server.AppPath}/instances/b0000000000000000000000000000000");

        var metrics = await ScrapeWhenRecordedAsync(("POST", "/v1/update/", 3), ("GET", "/api/apps/{appId}/instances/{machineId}", 1));

        Assert.Equal(3, metrics.Value("keelson_http_server_request_duration_seconds_count",
            ("http_request_method", "POST"), ("http_route", "/v1/update/"), ("http_response_status_code", "200")));
        Assert.Equal(3, metrics.Value("keelson_http_server_request_duration_seconds_bucket",
            ("http_request_method", "POST"), ("http_route", "/v1/update/"), ("http_response_status_code", "200"), ("le", "+Inf")));
        Assert.Equal(1, metrics.Value("keelson_http_server_request_duration_seconds_count",
            ("http_request_method", "GET"), ("http_route", "/api/apps/{appId}/instances/{machineId}"), ("http_response_status_code", "200")));
        Assert.Equal("histogram", metrics.Types["keelson_http_server_request_duration_seconds"]);
        // No label holds a URL: the machine id in the path above is only in the route pattern's place.
        Assert.DoesNotContain(metrics.Samples, s => s.Labels.Values.Any(v => v.Contains("b0000000", StringComparison.Ordinal)));
        Assert.True(metrics.Value("keelson_store_operation_duration_seconds_count", ("operation", "read")) > 0);
        Assert.True(metrics.Value("keelson_store_operation_duration_seconds_count", ("operation", "write")) > 0);
    }

    [Fact]
    public async Task Machines_are_gauged_by_group_status_and_version_from_the_last_fleet_sample()
    {
        await _server.PublishAsync("2605.10.0");
        await _server.SetChannelAsync("stable", "2605.10.0");
        await _server.CreateGroupAsync("canary", "stable");
        await _server.CheckAsync("c0000000000000000000000000000001", "2512.2.0");
        await _server.CheckAsync("c0000000000000000000000000000002", "2605.10.0");
        await _server.CheckAsync("c0000000000000000000000000000003", "2605.10.0", track: "canary");
        await _server.CheckAsync("c0000000000000000000000000000004", "2605.10.0", track: "canary");

        await _server.Services.GetRequiredService<FleetSampler>().SampleAsync(CancellationToken.None);
        var metrics = await ScrapeAsync();

        Assert.Equal(1, metrics.Value("keelson_fleet_machines", ("group", "stable"), ("status", "UpdateGranted"), ("version", "2512.2.0")));
        Assert.Equal(1, metrics.Value("keelson_fleet_machines", ("group", "stable"), ("status", "Undefined"), ("version", "2605.10.0")));
        Assert.Equal(2, metrics.Value("keelson_fleet_machines", ("group", "canary"), ("status", "Undefined"), ("version", "2605.10.0")));
        Assert.Equal(_server.Time.GetUtcNow().ToUnixTimeSeconds(), metrics.Value("keelson_fleet_sample_timestamp_seconds"));
        Assert.Equal("gauge", metrics.Types["keelson_fleet_machines"]);
    }

    [Fact]
    public async Task FleetLock_requests_are_counted_by_operation_and_outcome()
    {
        foreach (var (path, id) in ((string Path, string Id)[])[("/v1/pre-reboot", "m1"), ("/v1/pre-reboot", "m2"), ("/v1/pre-reboot", "m1"), ("/v1/steady-state", "m1")])
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path)
            {
                Content = new StringContent($$$"""{"client_params":{"id":"{{{id}}}","group":"default"}}"""),
            };
            request.Headers.Add("fleet-lock-protocol", "true");
            await new HttpClient { BaseAddress = _server.BaseUrl }.SendAsync(request);
        }

        var metrics = await ScrapeWhenRecordedAsync(("POST", "/v1/steady-state", 1));

        Assert.Equal(1, metrics.Value("keelson_fleetlock_requests_total", ("operation", "pre_reboot"), ("outcome", "locked")));
        Assert.Equal(1, metrics.Value("keelson_fleetlock_requests_total", ("operation", "pre_reboot"), ("outcome", "failed_lock_semaphore_full")));
        Assert.Equal(1, metrics.Value("keelson_fleetlock_requests_total", ("operation", "pre_reboot"), ("outcome", "unchanged")));
        Assert.Equal(1, metrics.Value("keelson_fleetlock_requests_total", ("operation", "steady_state"), ("outcome", "released")));
        Assert.Equal(1, metrics.Value("keelson_http_server_request_duration_seconds_count",
            ("http_request_method", "POST"), ("http_route", "/v1/steady-state"), ("http_response_status_code", "200")));
    }

    [Fact]
    public async Task Every_metric_name_follows_the_conventions()
    {
        await _server.CheckAsync("d0000000000000000000000000000001", "2512.2.0");
        await _server.Services.GetRequiredService<FleetSampler>().SampleAsync(CancellationToken.None);

        var metrics = await ScrapeAsync();

        Assert.NotEmpty(metrics.Types);
        foreach (var (name, type) in metrics.Types)
        {
            Assert.Matches("^keelson_[a-z0-9_]+$", name);
            Assert.True(metrics.Help.TryGetValue(name, out var help) && help.Length > 10, $"{name} has no HELP line");
            Assert.Equal(type == "counter", name.EndsWith("_total", StringComparison.Ordinal));
        }
    }

    /// <summary>
    /// A scrape once the request durations of these routes are counted: ASP.NET Core records a request's duration as
    /// it disposes of the request, which can be after the client has read the answer.
    /// </summary>
    private async Task<PrometheusText> ScrapeWhenRecordedAsync(params (string Method, string Route, int Count)[] requests)
    {
        PrometheusText metrics = null!;
        await Eventually.HoldsAsync(
            async () =>
            {
                metrics = await ScrapeAsync();
                return requests.All(r => metrics.Value("keelson_http_server_request_duration_seconds_count",
                    ("http_request_method", r.Method), ("http_route", r.Route), ("http_response_status_code", "200")) >= r.Count);
            },
            "the request durations are recorded: " + string.Join(", ", requests));
        return metrics;
    }

    private async Task<PrometheusText> ScrapeAsync()
    {
        var response = await new HttpClient { BaseAddress = _server.BaseUrl }.GetAsync(MetricsEndpoint.Path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.MediaType, StringComparison.Ordinal);
        return PrometheusText.Parse(await response.Content.ReadAsStringAsync());
    }
}
