using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Keelson.Coordination.FleetLock;
using Keelson.Coordination.Locks;
using Keelson.Server.FleetLock;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Keelson.Server.Tests.FleetLock;

public sealed class FleetLockEndpointTests : IAsyncLifetime
{
    private TestServer _server = null!;
    private HttpClient _machine = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync();
        // Machines call the protocol endpoints without the admin token.
        _machine = new HttpClient { BaseAddress = _server.BaseUrl };
    }

    public async Task DisposeAsync()
    {
        _machine.Dispose();
        await _server.DisposeAsync();
    }

    private async Task<(HttpStatusCode Status, string? Kind, string? Value, string? ContentType)> PostAsync(
        string path, string body, bool header = true, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, contentType) };
        if (header)
        {
            request.Headers.Add("fleet-lock-protocol", "true");
        }

        using var response = await _machine.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (text.Length == 0)
        {
            return (response.StatusCode, null, null, response.Content.Headers.ContentType?.MediaType);
        }

        using var json = JsonDocument.Parse(text);
        return (response.StatusCode, json.RootElement.GetProperty("kind").GetString(), json.RootElement.GetProperty("value").GetString(),
            response.Content.Headers.ContentType?.MediaType);
    }

    private static string Body(string id, string group = "default") => $$$"""{"client_params":{"id":"{{{id}}}","group":"{{{group}}}"}}""";

    private async Task<IReadOnlyList<RebootLockGroupInfo>> ListAsync() =>
        (await _server.Http.GetFromJsonAsync<Keelson.Server.Api.Contracts.Page<RebootLockGroupInfo>>("/api/reboot-locks", TestServer.Json))!.Items;

    [Fact]
    public async Task Pre_reboot_grants_one_machine_per_unconfigured_group_and_steady_state_frees_it()
    {
        var m1 = await PostAsync("/v1/pre-reboot", Body("m1"));
        var m2 = await PostAsync("/v1/pre-reboot", Body("m2"));
        var m1Again = await PostAsync("/v1/pre-reboot", Body("m1"));
        var released = await PostAsync("/v1/steady-state", Body("m1"));
        var m2After = await PostAsync("/v1/pre-reboot", Body("m2"));

        Assert.Equal((HttpStatusCode.OK, (string?)null), (m1.Status, m1.Kind));
        Assert.Equal((HttpStatusCode.Conflict, "failed_lock_semaphore_full", "all 1 reboot slot of group 'default' are held: m1", "application/json"), m2);
        Assert.Equal(HttpStatusCode.OK, m1Again.Status);
        Assert.Equal(HttpStatusCode.OK, released.Status);
        Assert.Equal(HttpStatusCode.OK, m2After.Status);
        Assert.Equal(["m2"], (await ListAsync()).Single(g => g.Group == "default").Holders.Select(h => h.Id));
    }

    [Fact]
    public async Task Only_a_slot_taken_or_freed_is_logged_at_information_level_the_routine_requests_below_it()
    {
        var logs = new CapturedLogs();
        _server.Services.GetRequiredService<ILoggerFactory>().AddProvider(logs);

        await PostAsync("/v1/pre-reboot", Body("m1"));
        await PostAsync("/v1/pre-reboot", Body("m1"));
        await PostAsync("/v1/pre-reboot", Body("m2"));
        await PostAsync("/v1/pre-reboot", "{not json");
        await PostAsync("/v1/steady-state", Body("m1"));
        for (var i = 0; i < 20; i++)
        {
            await PostAsync("/v1/steady-state", Body("m1"));
        }

        // 25 requests; the held slot asked again, the full group, the bad body and 20 steady-states of a machine holding
        // nothing are debug lines, which the server's default level (information) leaves out.
        var informed = logs.Entries.Where(e => e.Level >= LogLevel.Information && e.Message.StartsWith("FleetLock:", StringComparison.Ordinal))
            .Select(e => e.Message).ToList();
        Assert.Equal(["FleetLock: 'm1' took a reboot slot of group 'default'", "FleetLock: 'm1' released its reboot slot of group 'default'"], informed);
    }

    [Fact]
    public async Task A_request_sent_like_the_specifications_curl_example_is_served()
    {
        // curl -H "fleet-lock-protocol: true" -d @body.json sends a form content type.
        var response = await PostAsync("/v1/pre-reboot", Body("c988d2509fdf4cdcbed39037c56406fb", "workers"), contentType: "application/x-www-form-urlencoded");

        Assert.Equal(HttpStatusCode.OK, response.Status);
    }

    [Theory]
    [InlineData("/v1/pre-reboot")]
    [InlineData("/v1/steady-state")]
    public async Task Bad_requests_get_400_with_a_JSON_kind_and_change_nothing(string path)
    {
        string[] bodies =
        [
            "",
            "not json",
            "[]",
            """{"client_params":{}}""",
            """{"client_params":{"id":"","group":"default"}}""",
            """{"client_params":{"id":"m1","group":"no_underscores"}}""",
            """{"client_params":{"id":"m1","group":"default","group":"other"}}""",
            """{"client_params":{"id":7,"group":"default"}}""",
        ];

        foreach (var body in bodies)
        {
            var answer = await PostAsync(path, body);
            Assert.True(answer.Status == HttpStatusCode.BadRequest, $"{body}: {answer}");
            Assert.Equal("invalid_client_identity", answer.Kind);
            Assert.Equal("application/json", answer.ContentType);
            Assert.False(string.IsNullOrEmpty(answer.Value));
        }

        var noHeader = await PostAsync(path, Body("m1"), header: false);
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_client_identity"), (noHeader.Status, noHeader.Kind));
        Assert.Contains("fleet-lock-protocol header is missing", noHeader.Value, StringComparison.Ordinal);
        Assert.Empty(await ListAsync());
    }

    [Fact]
    public async Task A_body_over_64_KiB_is_refused_even_when_chunked()
    {
        var padding = new string(' ', FleetLockProtocol.MaxBodyBytes);
        var sized = await PostAsync("/v1/pre-reboot", Body("m1") + padding);

        using var chunked = new HttpRequestMessage(HttpMethod.Post, "/v1/pre-reboot")
        {
            Content = new PushStreamContent(Encoding.UTF8.GetBytes(Body("m1") + padding)),
        };
        chunked.Headers.Add("fleet-lock-protocol", "true");
        using var chunkedResponse = await _machine.SendAsync(chunked);

        Assert.Equal((HttpStatusCode.BadRequest, "invalid_client_identity"), (sized.Status, sized.Kind));
        Assert.Contains("larger than 65536 bytes", sized.Value, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, chunkedResponse.StatusCode);
        Assert.Empty(await ListAsync());
    }

    [Fact]
    public async Task Only_POST_is_served()
    {
        using var response = await _machine.GetAsync("/v1/pre-reboot");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    [Fact]
    public async Task The_FleetLock_client_works_against_the_update_server()
    {
        var client = new FleetLockClient(_machine, _server.BaseUrl, "db");

        var first = await client.LockAsync("m1", CancellationToken.None);
        var second = await client.LockAsync("m2", CancellationToken.None);
        var released = await client.UnlockAsync("m1", CancellationToken.None);

        Assert.Equal(LockOutcome.Granted, first);
        Assert.Equal(LockOutcome.Refused("all 1 reboot slot of group 'db' are held: m1"), second);
        Assert.Equal(UnlockOutcome.Unconfirmed, released);
    }

    [Fact]
    public async Task The_admin_API_needs_the_token()
    {
        using var list = await _machine.GetAsync("/api/reboot-locks");
        using var set = await _machine.PutAsJsonAsync("/api/reboot-locks/default", new SetRebootLockSlotsRequest(5));
        using var release = await _machine.DeleteAsync("/api/reboot-locks/default/holders/m1");

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized],
            new[] { list.StatusCode, set.StatusCode, release.StatusCode });
        Assert.Empty(await ListAsync());
    }

    [Fact]
    public async Task An_operator_sets_the_slots_and_frees_a_slot()
    {
        using var set = await _server.Http.PutAsJsonAsync("/api/reboot-locks/workers", new SetRebootLockSlotsRequest(2));
        var setInfo = await set.Content.ReadFromJsonAsync<RebootLockGroupInfo>(TestServer.Json);
        await PostAsync("/v1/pre-reboot", Body("w1", "workers"));
        await PostAsync("/v1/pre-reboot", Body("w2", "workers"));
        var third = await PostAsync("/v1/pre-reboot", Body("w3", "workers"));

        using var freed = await _server.Http.DeleteAsync("/api/reboot-locks/workers/holders/w1");
        var freedInfo = await freed.Content.ReadFromJsonAsync<RebootLockGroupInfo>(TestServer.Json);
        using var notHeld = await _server.Http.DeleteAsync("/api/reboot-locks/workers/holders/w1");
        var thirdAgain = await PostAsync("/v1/pre-reboot", Body("w3", "workers"));

        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal(("workers", 2, 0), (setInfo!.Group, setInfo.Slots, setInfo.Holders.Count));
        Assert.Equal(HttpStatusCode.Conflict, third.Status);
        Assert.Equal(HttpStatusCode.OK, freed.StatusCode);
        Assert.Equal(["w2"], freedInfo!.Holders.Select(h => h.Id));
        Assert.Equal(HttpStatusCode.NotFound, notHeld.StatusCode);
        Assert.Contains("'w1' holds no reboot slot of group 'workers'", await notHeld.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, thirdAgain.Status);
        var workers = Assert.Single(await ListAsync());
        Assert.Equal(("workers", 2), (workers.Group, workers.Slots));
        Assert.Equal(["w2", "w3"], workers.Holders.Select(h => h.Id));
        Assert.Equal(_server.Time.GetUtcNow(), workers.Holders[0].Since);
    }

    [Theory]
    [InlineData("default", """{"slots":-1}""", "slots")]
    [InlineData("default", """{"slots":100001}""", "slots")]
    [InlineData("default", """{}""", "slots")]
    [InlineData("default", """{"slots":"two"}""", "slots")]
    [InlineData("no_underscores", """{"slots":1}""", "group")]
    public async Task Bad_slot_settings_get_400_naming_the_field_and_change_nothing(string group, string body, string field)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await _server.Http.PutAsync($"/api/reboot-locks/{group}", content);
        var problem = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains($"\"{field}\"", problem, StringComparison.Ordinal);
        Assert.Empty(await ListAsync());
    }

    /// <summary>Sends its bytes without a length, so the request is chunked.</summary>
    private sealed class PushStreamContent(byte[] bytes) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) => stream.WriteAsync(bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
