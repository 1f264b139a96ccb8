using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Keelson.Discovery.Storage;

namespace Keelson.Discovery.Protocol;

/// <summary>Source-generated JSON for the wire shapes and the etcd store's records (camelCase, nulls omitted).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(V2Response))]
[JsonSerializable(typeof(V2Error))]
[JsonSerializable(typeof(EtcdTokenRecord))]
[JsonSerializable(typeof(StoredNode))]
[JsonSerializable(typeof(StoredEvent))]
internal sealed partial class DiscoveryJson : JsonSerializerContext
{
    /// <summary>
    /// For answers: causes quote keys and values ('abc'), which the default encoder would write as \u0027; these
    /// bodies are JSON read by programs and people, never HTML.
    /// </summary>
    public static DiscoveryJson Wire { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
