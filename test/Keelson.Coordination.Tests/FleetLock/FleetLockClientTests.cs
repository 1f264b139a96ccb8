using System.Text;
using Keelson.Coordination.FleetLock;
using Keelson.Coordination.Locks;

namespace Keelson.Coordination.Tests.FleetLock;

public sealed class FleetLockClientTests : IAsyncDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly TinyHttpServer _server = new(_ => Task.FromResult((200, "")));

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private FleetLockClient Client(string path = "", string group = "default") => new(_http, new Uri(_server.Url, path), group);

    private void Answer(int status, string body) => _server.Handler = _ => Task.FromResult((status, body));

    [Fact]
    public async Task Lock_posts_the_protocol_request_to_pre_reboot_under_the_base_url()
    {
        var outcome = await Client("base/", "workers").LockAsync("c988d2509fdf4cdcbed39037c56406fb", CancellationToken.None);

        Assert.Equal(LockOutcome.Granted, outcome);
        var request = Assert.Single(_server.Requests);
        Assert.Equal(("POST", "/base/v1/pre-reboot", "true"), (request.Method, request.Path, request.ProtocolHeader));
        Assert.StartsWith("application/json", request.ContentType, StringComparison.Ordinal);
        Assert.Equal("""{"client_params":{"id":"c988d2509fdf4cdcbed39037c56406fb","group":"workers"}}""", request.Body);
    }

    [Fact]
    public async Task Unlock_posts_to_steady_state_and_is_unconfirmed_on_200()
    {
        var released = await Client("base").UnlockAsync("m1", CancellationToken.None);

        // FleetLock answers 200 whether or not a slot was held.
        Assert.Equal(UnlockOutcome.Unconfirmed, released);
        Assert.Equal("/base/v1/steady-state", Assert.Single(_server.Requests).Path);
    }

    [Theory]
    [InlineData(409, """{"kind":"failed_lock_semaphore_full","value":"all 1 reboot slot of group 'default' are held: m2"}""", "all 1 reboot slot of group 'default' are held: m2")]
    [InlineData(500, """{"kind":"failed_lock","value":"all 1 semaphore slots currently locked"}""", "all 1 semaphore slots currently locked")]
    public async Task A_full_semaphore_is_a_refusal_with_the_servers_words(int status, string body, string detail)
    {
        Answer(status, body);

        var outcome = await Client().LockAsync("m1", CancellationToken.None);

        Assert.Equal(LockOutcome.Refused(detail), outcome);
    }

    [Theory]
    [InlineData(400, """{"kind":"invalid_client_identity","value":"client_params.group 'x' is bad"}""", "400 BadRequest: invalid_client_identity: client_params.group 'x' is bad")]
    [InlineData(400, """{"kind":"unknown_group","value":"unknown group \"db\""}""", "(the server is not configured for this group)")]
    [InlineData(503, """{"kind":"lock_store_failed","value":"etcd is unreachable"}""", "503 ServiceUnavailable: lock_store_failed: etcd is unreachable")]
    [InlineData(502, "<html><body>Bad Gateway</body></html>", "502 BadGateway with a body that is not a FleetLock error (<html><body>Bad Gateway</body></html>)")]
    [InlineData(404, "", "404 NotFound with an empty body, not a FleetLock answer (is the URL right?)")]
    [InlineData(201, "", "201 Created with an empty body")]
    public async Task Any_other_answer_is_an_exception_naming_the_url_and_what_came_back(int status, string body, string message)
    {
        Answer(status, body);

        var e = await Assert.ThrowsAsync<RebootLockException>(() => Client().LockAsync("m1", CancellationToken.None));

        Assert.Contains($"the FleetLock server at {_server.Url}v1/pre-reboot answered", e.Message, StringComparison.Ordinal);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unlock_fails_on_anything_but_200_even_a_full_semaphore()
    {
        Answer(409, """{"kind":"failed_lock_semaphore_full","value":"full"}""");

        var e = await Assert.ThrowsAsync<RebootLockException>(() => Client().UnlockAsync("m1", CancellationToken.None));

        Assert.Contains("v1/steady-state answered 409", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_cannot_be_reached_is_an_exception_naming_the_url()
    {
        var url = new Uri($"http://127.0.0.1:{TinyHttpServer.FreePort()}/fleetlock");

        var e = await Assert.ThrowsAsync<RebootLockException>(() => new FleetLockClient(_http, url).LockAsync("m1", CancellationToken.None));

        Assert.StartsWith($"cannot reach the FleetLock server at {url}/v1/pre-reboot: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_does_not_answer_in_time_is_an_exception()
    {
        var never = new TaskCompletionSource<(int, string)>();
        _server.Handler = _ => never.Task;
        using var impatient = new HttpClient { Timeout = TimeSpan.FromMilliseconds(300) };

        var e = await Assert.ThrowsAsync<RebootLockException>(() => new FleetLockClient(impatient, _server.Url).LockAsync("m1", CancellationToken.None));

        Assert.Contains("did not answer within 0.3s", e.Message, StringComparison.Ordinal);
        never.SetResult((200, ""));
    }

    [Fact]
    public async Task Cancellation_is_not_turned_into_a_lock_failure()
    {
        var never = new TaskCompletionSource<(int, string)>();
        _server.Handler = _ => never.Task;
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Client().LockAsync("m1", cancel.Token));
        never.SetResult((200, ""));
    }

    [Fact]
    public void A_client_is_made_only_for_a_valid_group_and_an_http_url()
    {
        Assert.Throws<ArgumentException>(() => new FleetLockClient(_http, _server.Url, "web servers"));
        Assert.Throws<ArgumentException>(() => new FleetLockClient(_http, new Uri("ftp://example.com/")));
        Assert.Equal($"FleetLock group 'db' at {_server.Url}", new FleetLockClient(_http, _server.Url, "db").Description);
    }

    [Fact]
    public async Task Client_and_service_agree_on_the_protocol_end_to_end()
    {
        var service = new FleetLockService(new MemoryFleetLockStore(slots: 1));
        _server.Handler = async request =>
        {
            var operation = request.Path == FleetLockProtocol.PreRebootPath ? FleetLockOperation.PreReboot : FleetLockOperation.SteadyState;
            var response = await service.HandleAsync(operation, request.ProtocolHeader, Encoding.UTF8.GetBytes(request.Body), refusal: null, CancellationToken.None);
            return (response.StatusCode, response.Body ?? "");
        };
        var client = Client();

        var first = await client.LockAsync("m1", CancellationToken.None);
        var second = await client.LockAsync("m2", CancellationToken.None);
        var again = await client.LockAsync("m1", CancellationToken.None);
        var released = await client.UnlockAsync("m1", CancellationToken.None);
        var afterRelease = await client.LockAsync("m2", CancellationToken.None);

        Assert.Equal(LockOutcome.Granted, first);
        Assert.Equal(LockOutcome.Refused("all 1 reboot slot of group 'default' are held: m1"), second);
        Assert.Equal(LockOutcome.Granted, again);
        Assert.Equal(UnlockOutcome.Unconfirmed, released);
        Assert.Equal(LockOutcome.Granted, afterRelease);
    }
}
