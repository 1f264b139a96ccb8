using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Keelson.Limits;
using Keelson.Server.Api.Contracts;
using Keelson.Server.FleetLock;
using Keelson.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Keelson.Server.Tests;

/// <summary>The limits against floods from clients without credentials: 429 naming the limit, /health never limited.</summary>
public sealed class LimitsTests
{
    private const string Flooder = "203.0.113.7";

    /// <summary>A server that believes loopback's X-Forwarded-For, so that a test can speak from several addresses.</summary>
    private static Task<TestServer> StartAsync(Action<ServerLimits> limits) => TestServer.StartAsync(options =>
    {
        options.TrustedProxies.Add(IPNetwork.Parse("127.0.0.0/8"));
        limits(options.Limits);
    });

    private static async Task<(HttpStatusCode Status, string Body, string? RetryAfter)> CheckAsync(TestServer server, string machineId, string from)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/update/")
        {
            Content = new StringContent(OmahaXml.Request(machineId, "2512.2.0", "stable", "<updatecheck></updatecheck>"), Encoding.UTF8, "text/xml"),
        };
        request.Headers.Add("X-Forwarded-For", from);
        using var client = new HttpClient { BaseAddress = server.BaseUrl };
        using var response = await client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(),
            response.Headers.TryGetValues("Retry-After", out var values) ? values.Single() : null);
    }

    private static async Task<HttpStatusCode> HealthAsync(TestServer server)
    {
        using var client = new HttpClient { BaseAddress = server.BaseUrl };
        using var response = await client.GetAsync("/health");
        return response.StatusCode;
    }

    [Fact]
    public async Task A_flood_of_new_machines_from_one_address_is_refused_429_naming_the_limit_and_not_recorded()
    {
        await using var server = await StartAsync(limits => limits.NewMachinesPerMinute = 5);
        Assert.Equal(HttpStatusCode.OK, (await CheckAsync(server, "known-machine", Flooder)).Status);

        var answers = new List<(HttpStatusCode Status, string Body, string? RetryAfter)>();
        for (var i = 0; i < 20; i++)
        {
            answers.Add(await CheckAsync(server, $"fake-{i:D2}", Flooder));
            Assert.Equal(HttpStatusCode.OK, await HealthAsync(server));
        }

        // The known machine took the first of 5; the bucket refills by the minute, and a test takes far less.
        Assert.All(answers.Take(4), answer => Assert.Equal(HttpStatusCode.OK, answer.Status));
        Assert.All(answers.Skip(4), answer =>
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, answer.Status);
            Assert.Contains("limit 'new-machines': at most 5 machines never seen before a minute from one address", answer.Body, StringComparison.Ordinal);
            Assert.Contains("--limit-new-machines", answer.Body, StringComparison.Ordinal);
            Assert.True(int.Parse(answer.RetryAfter!, System.Globalization.CultureInfo.InvariantCulture) is >= 1 and <= 60, answer.RetryAfter);
        });
        using var missing = await server.Http.GetAsync($"{server.AppPath}/instances/fake-19");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        // A machine the server knows still checks in from the flooding address; a new one from another address is let in.
        Assert.Equal(HttpStatusCode.OK, (await CheckAsync(server, "known-machine", Flooder)).Status);
        Assert.Equal(HttpStatusCode.OK, (await CheckAsync(server, "elsewhere", "198.51.100.2")).Status);
        Assert.Equal("198.51.100.2", (await server.InstanceAsync("elsewhere")).Instance.Ip);
    }

    [Fact]
    public async Task Omaha_requests_over_the_per_address_rate_are_refused_429_with_retry_after_and_health_stays_200()
    {
        await using var server = await StartAsync(limits => limits.ChecksPerMinute = 5);
        var answers = new List<(HttpStatusCode Status, string Body, string? RetryAfter)>();
        for (var i = 0; i < 12; i++)
        {
            answers.Add(await CheckAsync(server, "one-machine", Flooder));
        }

        Assert.All(answers.Take(5), answer => Assert.Equal(HttpStatusCode.OK, answer.Status));
        var refused = answers[^1];
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.Status);
        Assert.StartsWith("too many requests: limit 'checks': at most 5 Omaha requests a minute from one address (set by --limit-checks", refused.Body, StringComparison.Ordinal);
        Assert.NotNull(refused.RetryAfter);
        Assert.Equal(HttpStatusCode.OK, (await CheckAsync(server, "one-machine", "198.51.100.2")).Status);
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await HealthAsync(server));
        }
    }

    [Fact]
    public async Task Limits_set_to_0_are_off()
    {
        await using var server = await StartAsync(limits => limits.TurnOff());
        for (var i = 0; i < 300; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await CheckAsync(server, $"bench-{i:D3}", Flooder)).Status);
        }
    }

    private static async Task<(HttpStatusCode Status, string Body)> PreRebootAsync(TestServer server, string id, string group, string from = Flooder)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/pre-reboot")
        {
            Content = new StringContent($$$"""{"client_params":{"id":"{{{id}}}","group":"{{{group}}}"}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("fleet-lock-protocol", "true");
        request.Headers.Add("X-Forwarded-For", from);
        using var client = new HttpClient { BaseAddress = server.BaseUrl };
        using var response = await client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task FleetLock_requests_over_the_per_address_rate_are_refused_429()
    {
        await using var server = await StartAsync(limits => limits.FleetLockPerMinute = 3);
        var answers = new List<(HttpStatusCode Status, string Body)>();
        for (var i = 0; i < 6; i++)
        {
            answers.Add(await PreRebootAsync(server, "m1", "default"));
        }

        Assert.All(answers.Take(3), answer => Assert.Equal(HttpStatusCode.OK, answer.Status));
        Assert.Equal(HttpStatusCode.TooManyRequests, answers[^1].Status);
        Assert.Contains("limit 'fleetlock': at most 3 FleetLock requests a minute", answers[^1].Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await PreRebootAsync(server, "m1", "default", "198.51.100.2")).Status);
    }

    [Fact]
    public async Task A_new_FleetLock_group_beyond_the_cap_is_refused_429_limit_reached_and_not_created()
    {
        await using var server = await StartAsync(limits => limits.FleetLockGroups = 2);
        Assert.Equal(HttpStatusCode.OK, (await PreRebootAsync(server, "m1", "g1")).Status);
        Assert.Equal(HttpStatusCode.OK, (await PreRebootAsync(server, "m2", "g2")).Status);

        var refused = await PreRebootAsync(server, "m3", "g3");

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.Status);
        using var json = JsonDocument.Parse(refused.Body);
        Assert.Equal("limit_reached", json.RootElement.GetProperty("kind").GetString());
        Assert.Equal("group 'g3' is new and the server keeps no more groups: limit 'fleetlock-groups': at most 2 FleetLock groups "
            + "(set by --limit-fleetlock-groups, 0 turns it off)", json.RootElement.GetProperty("value").GetString());
        var groups = await server.Http.GetFromJsonAsync<Page<RebootLockGroupInfo>>("/api/reboot-locks", TestServer.Json);
        Assert.Equal(["g1", "g2"], groups!.Items.Select(g => g.Group));
        // Groups that exist keep working.
        Assert.Equal(HttpStatusCode.OK, (await PreRebootAsync(server, "m1", "g1")).Status);
    }

    [Fact]
    public async Task Reboot_locks_are_listed_in_pages_that_a_next_cursor_follows()
    {
        await using var server = await TestServer.StartAsync();
        foreach (var group in new[] { "e", "a", "d", "c", "b" })
        {
            using var set = await server.Http.PutAsJsonAsync($"/api/reboot-locks/{group}", new SetRebootLockSlotsRequest(2));
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        }

        var names = new List<string>();
        string? after = null;
        var pages = 0;
        do
        {
            var page = (await server.Http.GetFromJsonAsync<Page<RebootLockGroupInfo>>(
                $"/api/reboot-locks?perPage=2{(after is null ? "" : "&after=" + after)}", TestServer.Json))!;
            Assert.Equal(5, page.Total);
            Assert.True(page.Items.Count <= 2);
            names.AddRange(page.Items.Select(g => g.Group));
            after = page.Next;
            pages++;
        }
        while (after is not null);

        Assert.Equal(["a", "b", "c", "d", "e"], names);
        Assert.Equal(3, pages);
        var second = (await server.Http.GetFromJsonAsync<Page<RebootLockGroupInfo>>("/api/reboot-locks?perPage=2&page=2", TestServer.Json))!;
        Assert.Equal(["c", "d"], second.Items.Select(g => g.Group));
        using var bad = await server.Http.GetAsync("/api/reboot-locks?perPage=501");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("perPage", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connections_beyond_the_cap_are_closed_and_served_again_once_one_ends()
    {
        await using var server = await StartAsync(limits => limits.Connections = 1);
        using (var held = new TcpClient())
        {
            await held.ConnectAsync(server.BaseUrl.Host, server.BaseUrl.Port);
            // The held connection is counted once Kestrel accepts it: until then a request may still slip in.
            var deadline = DateTime.UtcNow.AddSeconds(10);
            var refused = false;
            while (!refused && DateTime.UtcNow < deadline)
            {
                using var client = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero }) { BaseAddress = server.BaseUrl };
                try
                {
                    using var response = await client.GetAsync("/health");
                }
                catch (HttpRequestException)
                {
                    refused = true;
                }
            }

            Assert.True(refused, "a second connection was served while the cap of 1 was held");
        }

        await Eventually.HoldsAsync(async () =>
        {
            try
            {
                return await HealthAsync(server) == HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, "the server answers /health again once the held connection is gone");
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task A_request_body_that_stalls_is_answered_408_with_one_warning_and_no_stack_trace()
    {
        await using var server = await TestServer.StartAsync();
        var logs = new CapturedLogs();
        server.Services.GetRequiredService<ILoggerFactory>().AddProvider(logs);

        using var socket = new TcpClient();
        await socket.ConnectAsync(server.BaseUrl.Host, server.BaseUrl.Port);
        var stream = socket.GetStream();
        // 8 bytes of 1000, then nothing: Kestrel's minimum body rate (240 bytes/s after 5 s of grace) ends the wait.
        var head = $"POST /v1/update/ HTTP/1.1\r\nHost: {server.BaseUrl.Authority}\r\nContent-Type: text/xml\r\nContent-Length: 1000\r\n\r\n<request";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var status = await reader.ReadLineAsync(timeout.Token);

        Assert.Equal("HTTP/1.1 408 Request Timeout", status);
        await Eventually.HoldsAsync(() => Task.FromResult(logs.Entries.Any(e => e.Id.Id == 202)), "the 408 is logged (event 202)",
            () => string.Join("\n", logs.Entries.Select(e => $"{e.Level} {e.Category} {e.Id}: {e.Message} {e.Exception?.GetType()}")));
        var line = Assert.Single(logs.Entries, e => e.Id.Id == 202);
        Assert.Equal(LogLevel.Warning, line.Level);
        Assert.Null(line.Exception);
        Assert.Contains("POST /v1/update/ from 127.0.0.1 answered 408", line.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(logs.Entries, e => e.Level >= LogLevel.Error || e.Exception is not null);
    }

    [Fact]
    public void Refusals_are_logged_once_a_minute_per_limit_naming_the_address_and_counting_the_rest()
    {
        var logs = new CapturedLogs();
        using var factory = LoggerFactory.Create(builder => builder.AddProvider(logs));
        var time = new FakeTimeProvider();
        var refusals = new LimitRefusals(time, factory.CreateLogger<LimitRefusals>());

        for (var i = 0; i < 1000; i++)
        {
            refusals.Refused("checks", Flooder);
        }

        refusals.Refused("new-machines", "198.51.100.2");
        time.Advance(LimitRefusals.LogInterval);
        refusals.Refused("checks", "192.0.2.1");

        Assert.Equal(
        [
            "Limit checks refused a request from 203.0.113.7 (1 refusals under it since its last line; one line per 60 s at most)",
            "Limit new-machines refused a request from 198.51.100.2 (1 refusals under it since its last line; one line per 60 s at most)",
            "Limit checks refused a request from 192.0.2.1 (1000 refusals under it since its last line; one line per 60 s at most)",
        ], logs.Entries.Select(e => e.Message));
        Assert.All(logs.Entries, e => Assert.Equal(LogLevel.Warning, e.Level));
    }
}
