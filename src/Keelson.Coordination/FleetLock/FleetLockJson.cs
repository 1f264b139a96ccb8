using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Keelson.Coordination.FleetLock;

/// <summary>Source-generated JSON (snake_case, as the protocol and Airlock write it) for the wire shapes and the etcd record.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(FleetLockError))]
[JsonSerializable(typeof(FleetLockRequestBody))]
[JsonSerializable(typeof(AirlockSemaphore))]
internal sealed partial class FleetLockJson : JsonSerializerContext
{
    /// <summary>
    /// Quotes and non-ASCII characters written as they are ('default' rather than \u0027default\u0027): these
    /// bodies are read by programs and people, never embedded in HTML.
    /// </summary>
    public static FleetLockJson Wire { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
