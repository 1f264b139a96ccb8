using System.Text.Json;

namespace Keelson.Coordination.FleetLock;

/// <summary>
/// A FleetLock error body, <c>{"kind":"...","value":"..."}</c>: a type identifier from a small fixed set
/// (<see cref="FleetLockErrorKinds"/>) and a description for people. Both are non-empty.
/// </summary>
public sealed record FleetLockError(string Kind, string Value)
{
    /// <summary>The error as its JSON body.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, FleetLockJson.Wire.FleetLockError);

    /// <summary>Reads an error body; false when <paramref name="body"/> is not one (not JSON, or kind or value missing or empty).</summary>
    public static bool TryParse(ReadOnlySpan<byte> body, out FleetLockError? error)
    {
        error = null;
        try
        {
            var parsed = JsonSerializer.Deserialize(body, FleetLockJson.Wire.FleetLockError);
            if (parsed is { Kind.Length: > 0, Value.Length: > 0 })
            {
                error = parsed;
            }
        }
        catch (JsonException)
        {
        }

        return error is not null;
    }
}
