using System.Text;
using System.Text.Json;
using Keelson.Coordination.FleetLock;
using Keelson.Coordination.Locks;

namespace Keelson.Coordination.Tests.FleetLock;

public sealed class FleetLockServiceTests
{
    private readonly MemoryFleetLockStore _store = new(slots: 2);

    private Task<FleetLockResponse> PostAsync(FleetLockOperation operation, string id, string group = "default", string? header = "true") =>
        new FleetLockService(_store).HandleAsync(
            operation, header, Encoding.UTF8.GetBytes($$$"""{"client_params":{"id":"{{{id}}}","group":"{{{group}}}"}}"""), refusal: null, CancellationToken.None);

    private static (string Kind, string Value) ErrorBody(FleetLockResponse response)
    {
        using var body = JsonDocument.Parse(response.Body!);
        return (body.RootElement.GetProperty("kind").GetString()!, body.RootElement.GetProperty("value").GetString()!);
    }

    [Theory]
    [InlineData(FleetLockOperation.PreReboot)]
    [InlineData(FleetLockOperation.SteadyState)]
    public async Task A_sender_that_may_not_act_for_the_machine_is_refused_403_and_changes_nothing(FleetLockOperation operation)
    {
        await PostAsync(FleetLockOperation.PreReboot, "m1");
        var body = Encoding.UTF8.GetBytes("""{"client_params":{"id":"m1","group":"default"}}""");
        string? asked = null;

        var response = await new FleetLockService(_store).HandleAsync(operation, "true", body,
            id => (asked = id) == "m1" ? "not trusted: the client certificate is for 'm2', not for 'm1'" : null, CancellationToken.None);

        Assert.Equal("m1", asked);
        Assert.Equal(403, response.StatusCode);
        Assert.Equal((FleetLockErrorKinds.UntrustedClient, "not trusted: the client certificate is for 'm2', not for 'm1'"), ErrorBody(response));
        Assert.Equal(["m1"], _store.Holders("default"));
    }

    [Fact]
    public async Task Pre_reboot_grants_a_free_slot_with_200_and_no_body()
    {
        var response = await PostAsync(FleetLockOperation.PreReboot, "m1");

        Assert.Equal(200, response.StatusCode);
        Assert.True(response.IsSuccess);
        Assert.Null(response.Body);
        Assert.Equal(["m1"], _store.Holders("default"));
    }

    [Fact]
    public async Task Pre_reboot_is_recursive_a_holder_asking_again_is_granted()
    {
        await PostAsync(FleetLockOperation.PreReboot, "m1");
        await PostAsync(FleetLockOperation.PreReboot, "m2");

        var again = await PostAsync(FleetLockOperation.PreReboot, "m1");

        Assert.Equal(200, again.StatusCode);
        Assert.Equal(["m1", "m2"], _store.Holders("default"));
    }

    [Fact]
    public async Task A_full_semaphore_answers_409_semaphore_full_naming_the_holders()
    {
        await PostAsync(FleetLockOperation.PreReboot, "m1");
        await PostAsync(FleetLockOperation.PreReboot, "m2");

        var refused = await PostAsync(FleetLockOperation.PreReboot, "m3");

        Assert.Equal(409, refused.StatusCode);
        Assert.Equal(("failed_lock_semaphore_full", "all 2 reboot slots of group 'default' are held: m1, m2"), ErrorBody(refused));
        Assert.Equal(["m1", "m2"], _store.Holders("default"));
    }

    [Fact]
    public async Task Groups_are_separate_semaphores()
    {
        await PostAsync(FleetLockOperation.PreReboot, "m1", "db");
        await PostAsync(FleetLockOperation.PreReboot, "m2", "db");

        var other = await PostAsync(FleetLockOperation.PreReboot, "m3", "web");

        Assert.Equal(200, other.StatusCode);
    }

    [Fact]
    public async Task Only_a_slot_taken_or_released_counts_as_a_change_for_the_log()
    {
        var took = await PostAsync(FleetLockOperation.PreReboot, "m1");
        var again = await PostAsync(FleetLockOperation.PreReboot, "m1");
        await PostAsync(FleetLockOperation.PreReboot, "m2");
        var full = await PostAsync(FleetLockOperation.PreReboot, "m9");
        var released = await PostAsync(FleetLockOperation.SteadyState, "m1");
        var notHeld = await PostAsync(FleetLockOperation.SteadyState, "m1");

        Assert.Equal((true, false, false, true, false), (took.Changed, again.Changed, full.Changed, released.Changed, notHeld.Changed));
        Assert.Equal((200, 409), (again.StatusCode, full.StatusCode));
        Assert.Contains("still holds", again.Summary, StringComparison.Ordinal);
        Assert.Contains("took a reboot slot", took.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Steady_state_frees_the_slot_and_answers_200_whether_or_not_one_was_held()
    {
        await PostAsync(FleetLockOperation.PreReboot, "m1");
        await PostAsync(FleetLockOperation.PreReboot, "m2");

        var released = await PostAsync(FleetLockOperation.SteadyState, "m1");
        var notHeld = await PostAsync(FleetLockOperation.SteadyState, "m9");
        var m3 = await PostAsync(FleetLockOperation.PreReboot, "m3");

        Assert.Equal((200, 200, 200), (released.StatusCode, notHeld.StatusCode, m3.StatusCode));
        Assert.Contains("released", released.Summary, StringComparison.Ordinal);
        Assert.Contains("held no reboot slot", notHeld.Summary, StringComparison.Ordinal);
        Assert.Equal(["m2", "m3"], _store.Holders("default"));
    }

    [Theory]
    [InlineData(FleetLockOperation.PreReboot)]
    [InlineData(FleetLockOperation.SteadyState)]
    public async Task An_invalid_request_answers_400_invalid_client_identity_and_changes_nothing(FleetLockOperation operation)
    {
        var noHeader = await PostAsync(operation, "m1", header: null);
        var badGroup = await PostAsync(operation, "m1", group: "a_b");
        var emptyId = await PostAsync(operation, "");

        Assert.All([noHeader, badGroup, emptyId], r => Assert.Equal(400, r.StatusCode));
        Assert.All([noHeader, badGroup, emptyId], r => Assert.Equal("invalid_client_identity", ErrorBody(r).Kind));
        Assert.Contains("fleet-lock-protocol", ErrorBody(noHeader).Value, StringComparison.Ordinal);
        Assert.Contains("client_params.group 'a_b'", ErrorBody(badGroup).Value, StringComparison.Ordinal);
        Assert.Equal(0, _store.Calls);
    }

    [Fact]
    public async Task A_store_failure_answers_503_lock_store_failed_with_its_message()
    {
        _store.Failure = new RebootLockException("etcd at http://127.0.0.1:1 is unreachable (Connection refused)");

        var locked = await PostAsync(FleetLockOperation.PreReboot, "m1");
        var unlocked = await PostAsync(FleetLockOperation.SteadyState, "m1");

        Assert.Equal((503, 503), (locked.StatusCode, unlocked.StatusCode));
        Assert.Equal(("lock_store_failed", "etcd at http://127.0.0.1:1 is unreachable (Connection refused)"), ErrorBody(locked));
    }
}
