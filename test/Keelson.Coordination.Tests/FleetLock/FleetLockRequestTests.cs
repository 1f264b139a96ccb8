using System.Text;
using System.Text.Json;
using Keelson.Coordination.FleetLock;

namespace Keelson.Coordination.Tests.FleetLock;

public sealed class FleetLockRequestTests
{
    private static (FleetLockRequest? Request, FleetLockError? Error) Parse(string body, string? header = "true")
    {
        FleetLockRequest.TryParse(header, Encoding.UTF8.GetBytes(body), out var request, out var error);
        return (request, error);
    }

    private static FleetLockError Refused(string body, string? header = "true")
    {
        var (request, error) = Parse(body, header);
        Assert.Null(request);
        Assert.NotNull(error);
        Assert.Equal(FleetLockErrorKinds.InvalidClientIdentity, error.Kind);
        return error;
    }

    [Fact]
    public void A_request_as_Zincati_sends_it_is_read()
    {
        var (request, error) = Parse("""{"client_params":{"id":"c988d2509fdf4cdcbed39037c56406fb","group":"default"}}""");

        Assert.Null(error);
        Assert.Equal("c988d2509fdf4cdcbed39037c56406fb", request!.Id);
        Assert.Equal("default", request.Group);
    }

    [Fact]
    public void Unknown_properties_are_ignored_and_the_id_keeps_its_case()
    {
        var (request, _) = Parse("""
            { "version": 2, "client_params": { "group": "Workers-1.eu", "id": "Node-A", "extra": [1, 2] } }
            """);

        Assert.Equal(("Node-A", "Workers-1.eu"), (request!.Id, request.Group));
    }

    [Theory]
    [InlineData(null, "header is missing")]
    [InlineData("", "header is ''")]
    [InlineData("false", "header is 'false'")]
    [InlineData("TRUE", "header is 'TRUE'")]
    [InlineData("1", "header is '1'")]
    public void The_fleet_lock_protocol_header_must_be_true(string? header, string message)
    {
        var error = Refused("""{"client_params":{"id":"m1","group":"default"}}""", header);

        Assert.Contains("fleet-lock-protocol", error.Value, StringComparison.Ordinal);
        Assert.Contains(message, error.Value, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "the body is empty")]
    [InlineData("  \n", "the body is empty")]
    [InlineData("client_params=m1", "the body is not valid JSON")]
    [InlineData("""{"client_params":{"id":"m1","group":"default"}""", "the body is not valid JSON")]
    [InlineData("""{"client_params":{"id":"m1","group":"default"}} {}""", "the body is not valid JSON")]
    [InlineData("""[{"client_params":{"id":"m1","group":"default"}}]""", "the body is an array, not an object")]
    [InlineData("null", "the body is null, not an object")]
    [InlineData("""{"id":"m1","group":"default"}""", "client_params is missing")]
    [InlineData("""{"client_params":"m1"}""", "client_params is a string, not an object")]
    [InlineData("""{"client_params":{"group":"default"}}""", "client_params.id is missing")]
    [InlineData("""{"client_params":{"ID":"m1","group":"default"}}""", "client_params.id is missing")]
    [InlineData("""{"client_params":{"id":"","group":"default"}}""", "client_params.id is empty")]
    [InlineData("""{"client_params":{"id":42,"group":"default"}}""", "client_params.id is a number, not a string")]
    [InlineData("""{"client_params":{"id":null,"group":"default"}}""", "client_params.id is null, not a string")]
    [InlineData("""{"client_params":{"id":"m1\u0000","group":"default"}}""", "client_params.id 'm1\\u0000' contains a control character")]
    [InlineData("""{"client_params":{"id":"m1"}}""", "client_params.group is missing")]
    [InlineData("""{"client_params":{"id":"m1","group":""}}""", "client_params.group is empty")]
    [InlineData("""{"client_params":{"id":"m1","group":["default"]}}""", "client_params.group is an array, not a string")]
    [InlineData("""{"client_params":{"id":"m1","group":"web servers"}}""", "client_params.group 'web servers' must match ^[a-zA-Z0-9.-]+$ (' ' is not allowed)")]
    [InlineData("""{"client_params":{"id":"m1","group":"web_servers"}}""", "must match ^[a-zA-Z0-9.-]+$ ('_' is not allowed)")]
    [InlineData("""{"client_params":{"id":"m1","group":"default\n"}}""", "must match ^[a-zA-Z0-9.-]+$ ('\\u000a' is not allowed)")]
    [InlineData("""{"client_params":{"id":"m1","group":"caf\u00e9"}}""", "must match ^[a-zA-Z0-9.-]+$ ('\u00e9' is not allowed)")]
    [InlineData("""{"client_params":{"id":"m1","group":"../etc"}}""", "('/' is not allowed)")]
    [InlineData("""{"client_params":{"id":"m1","id":"m2","group":"default"}}""", "the body is not valid JSON")]
    public void A_malformed_request_is_refused_with_what_is_wrong(string body, string message)
    {
        var error = Refused(body);

        Assert.Contains(message, error.Value, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"client_params":{"id":"m1","id":"m2","group":"default"}}""")]
    [InlineData("""{"client_params":{"id":"m1","group":"default"}""")]
    [InlineData("client_params=m1")]
    public void A_JSON_error_reads_well_with_or_without_a_position(string body)
    {
        var error = Refused(body);

        Assert.StartsWith("the body is not valid JSON", error.Value, StringComparison.Ordinal);
        Assert.DoesNotContain("line ,", error.Value, StringComparison.Ordinal);
        Assert.DoesNotContain("byte )", error.Value, StringComparison.Ordinal);
        Assert.Matches(@"^the body is not valid JSON( \(line \d+, byte \d+\))?: [^;]+; expected", error.Value);
    }

    [Fact]
    public void Ids_and_groups_have_an_upper_bound()
    {
        var longId = Refused($$$"""{"client_params":{"id":"{{{new string('a', FleetLockProtocol.MaxIdLength + 1)}}}","group":"default"}}""");
        var longGroup = Refused($$$"""{"client_params":{"id":"m1","group":"{{{new string('g', FleetLockProtocol.MaxGroupLength + 1)}}}"}}""");
        var (atBounds, _) = Parse($$$"""
            {"client_params":{"id":"{{{new string('a', FleetLockProtocol.MaxIdLength)}}}","group":"{{{new string('g', FleetLockProtocol.MaxGroupLength)}}}"}}
            """);

        Assert.Contains($"longer than {FleetLockProtocol.MaxIdLength} characters", longId.Value, StringComparison.Ordinal);
        Assert.Contains($"longer than {FleetLockProtocol.MaxGroupLength} characters", longGroup.Value, StringComparison.Ordinal);
        Assert.NotNull(atBounds);
    }

    [Fact]
    public void A_body_larger_than_the_limit_is_refused_unread()
    {
        var padding = new string(' ', FleetLockProtocol.MaxBodyBytes);

        var error = Refused($$$"""{"client_params":{"id":"m1","group":"default"}}{{{padding}}}""");

        Assert.Contains($"larger than {FleetLockProtocol.MaxBodyBytes} bytes", error.Value, StringComparison.Ordinal);
    }

    [Fact]
    public void The_body_a_client_sends_is_the_protocol_shape()
    {
        var body = Encoding.UTF8.GetString(new FleetLockRequest("m'1", "default").ToJsonBody());

        Assert.Equal("""{"client_params":{"id":"m'1","group":"default"}}""", body);
    }

    [Fact]
    public void A_request_cannot_be_made_with_an_invalid_group_or_id()
    {
        Assert.Throws<ArgumentException>(() => new FleetLockRequest("m1", "a b"));
        Assert.Throws<ArgumentException>(() => new FleetLockRequest("", "default"));
    }

    [Fact]
    public void An_error_is_kind_and_value_in_JSON()
    {
        var json = new FleetLockError(FleetLockErrorKinds.SemaphoreFull, "all 1 reboot slot of group 'default' are held: m1").ToJson();

        using var document = JsonDocument.Parse(json);
        Assert.Equal(["kind", "value"], document.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("failed_lock_semaphore_full", document.RootElement.GetProperty("kind").GetString());
        Assert.Contains("group 'default'", json, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"kind":"failed_lock","value":"all 2 semaphore slots currently locked"}""", true)]
    [InlineData("""{"kind":"","value":"x"}""", false)]
    [InlineData("""{"kind":"x"}""", false)]
    [InlineData("<html>Bad Gateway</html>", false)]
    [InlineData("", false)]
    public void Only_a_body_with_kind_and_value_reads_as_an_error(string body, bool isError)
    {
        Assert.Equal(isError, FleetLockError.TryParse(Encoding.UTF8.GetBytes(body), out _));
    }

    [Theory]
    [InlineData("workers=2", "workers", 2)]
    [InlineData("a.b-c=0", "a.b-c", 0)]
    public void Group_slots_are_read_from_NAME_equals_N(string text, string group, int slots)
    {
        Assert.True(FleetLockSlots.TryParseGroupSlots(text, out var parsedGroup, out var parsedSlots, out var error), error);
        Assert.Equal((group, slots), (parsedGroup, parsedSlots));
    }

    [Theory]
    [InlineData("workers")]
    [InlineData("workers=")]
    [InlineData("workers=-1")]
    [InlineData("workers=two")]
    [InlineData("=2")]
    [InlineData("web servers=2")]
    [InlineData("workers=100001")]
    public void Bad_group_slots_are_refused(string text)
    {
        Assert.False(FleetLockSlots.TryParseGroupSlots(text, out _, out _, out var error));
        Assert.NotEmpty(error);
    }

    [Fact]
    public void A_group_not_configured_has_the_default_slots()
    {
        var slots = new FleetLockSlots(2, new Dictionary<string, int> { ["db"] = 1, ["workers"] = 5 });

        Assert.Equal([2, 1, 5], new[] { "default", "db", "workers" }.Select(slots.For));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FleetLockSlots(-1));
        Assert.Throws<ArgumentException>(() => new FleetLockSlots(1, new Dictionary<string, int> { ["a b"] = 1 }));
    }
}
