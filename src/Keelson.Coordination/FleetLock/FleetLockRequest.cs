using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Keelson.Coordination.FleetLock;

/// <summary>
/// A validated FleetLock request: the client's <see cref="Id"/> (case-sensitive) and its reboot <see cref="Group"/>.
/// </summary>
public sealed record FleetLockRequest
{
    private const string Shape = """{"client_params":{"id":"...","group":"..."}}""";

    private static readonly JsonDocumentOptions s_documentOptions = new()
    {
        MaxDepth = 16,
        AllowDuplicateProperties = false,
    };

    /// <summary>A request for <paramref name="id"/> in <paramref name="group"/>; both must be valid (see <see cref="FleetLockProtocol"/>).</summary>
    public FleetLockRequest(string id, string group)
    {
        if (!FleetLockProtocol.IsValidId(id, out var error))
        {
            throw new ArgumentException(error, nameof(id));
        }

        if (!FleetLockProtocol.IsValidGroup(group, out error))
        {
            throw new ArgumentException(error, nameof(group));
        }

        Id = id;
        Group = group;
    }

    public string Id { get; }

    public string Group { get; }

    /// <summary>The request's JSON body.</summary>
    public byte[] ToJsonBody() =>
        JsonSerializer.SerializeToUtf8Bytes(new FleetLockRequestBody(new FleetLockClientParams(Id, Group)), FleetLockJson.Wire.FleetLockRequestBody);

    /// <summary>
    /// Reads a request as a server receives it: the <c>fleet-lock-protocol</c> header's value (null when absent) and
    /// the body. Unknown properties are ignored; everything the protocol requires is checked, and
    /// <paramref name="error"/> (kind <see cref="FleetLockErrorKinds.InvalidClientIdentity"/>) names what was wrong.
    /// </summary>
    public static bool TryParse(
        string? protocolHeader,
        ReadOnlyMemory<byte> body,
        [NotNullWhen(true)] out FleetLockRequest? request,
        [NotNullWhen(false)] out FleetLockError? error)
    {
        request = null;
        if (protocolHeader is null)
        {
            error = Invalid($"the {FleetLockProtocol.HeaderName} header is missing; FleetLock requests carry '{FleetLockProtocol.HeaderName}: {FleetLockProtocol.HeaderValue}'");
            return false;
        }

        if (protocolHeader.Trim() != FleetLockProtocol.HeaderValue)
        {
            error = Invalid($"the {FleetLockProtocol.HeaderName} header is '{FleetLockProtocol.Shorten(protocolHeader)}'; it must be '{FleetLockProtocol.HeaderValue}'");
            return false;
        }

        if (body.Length > FleetLockProtocol.MaxBodyBytes)
        {
            error = Invalid($"the body is larger than {FleetLockProtocol.MaxBodyBytes} bytes; expected {Shape}");
            return false;
        }

        if (body.Span.Trim(" \t\r\n"u8).IsEmpty)
        {
            error = Invalid($"the body is empty; expected {Shape}");
            return false;
        }

        JsonDocument document;
        try
        {
            // Parse (not TryParseValue) also refuses anything after the value, and the options refuse a
            // property given twice, which readers could otherwise take either way.
            document = JsonDocument.Parse(body, s_documentOptions);
        }
        catch (JsonException e)
        {
            // Some errors (a property given twice) come without a position: the message then names none.
            var at = e.LineNumber is { } line ? $" (line {line + 1}, byte {e.BytePositionInLine + 1})" : "";
            error = Invalid($"the body is not valid JSON{at}: {FirstSentence(e.Message)}; expected {Shape}");
            return false;
        }

        using (document)
        {
            return TryRead(document.RootElement, out request, out error);
        }
    }

    private static bool TryRead(JsonElement root, [NotNullWhen(true)] out FleetLockRequest? request, [NotNullWhen(false)] out FleetLockError? error)
    {
        request = null;
        if (root.ValueKind != JsonValueKind.Object)
        {
            error = Invalid($"the body is {Describe(root.ValueKind)}, not an object; expected {Shape}");
            return false;
        }

        if (!TryProperty(root, "client_params", out var clientParams, out error))
        {
            return false;
        }

        if (clientParams.ValueKind != JsonValueKind.Object)
        {
            error = Invalid($"client_params is {Describe(clientParams.ValueKind)}, not an object; expected {Shape}");
            return false;
        }

        if (!TryString(clientParams, "id", out var id, out error) || !TryString(clientParams, "group", out var group, out error))
        {
            return false;
        }

        if (!FleetLockProtocol.IsValidId(id, out var message) || !FleetLockProtocol.IsValidGroup(group, out message))
        {
            error = Invalid($"client_params.{message}");
            return false;
        }

        request = new FleetLockRequest(id, group);
        error = null;
        return true;
    }

    private static bool TryProperty(JsonElement parent, string name, out JsonElement value, [NotNullWhen(false)] out FleetLockError? error)
    {
        if (parent.TryGetProperty(name, out value))
        {
            error = null;
            return true;
        }

        error = Invalid($"{name} is missing; expected {Shape}");
        return false;
    }

    private static bool TryString(JsonElement clientParams, string name, [NotNullWhen(true)] out string? value, [NotNullWhen(false)] out FleetLockError? error)
    {
        value = null;
        if (!clientParams.TryGetProperty(name, out var element))
        {
            error = Invalid($"client_params.{name} is missing; expected {Shape}");
            return false;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            error = Invalid($"client_params.{name} is {Describe(element.ValueKind)}, not a string");
            return false;
        }

        try
        {
            value = element.GetString()!;
        }
        catch (InvalidOperationException)
        {
            error = Invalid($"client_params.{name} is not valid UTF-8");
            return false;
        }

        error = null;
        return true;
    }

    private static FleetLockError Invalid(string message) => new(FleetLockErrorKinds.InvalidClientIdentity, message);

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "a JSON value",
    };

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return (end < 0 ? message : message[..end]).TrimEnd('.');
    }
}
