using System.Net;
using System.Text.Json;

namespace Keelson.Discovery.Tests;

/// <summary>What the service answered: status, <c>X-Etcd-Index</c> (null when absent) and body.</summary>
public sealed record Answer(HttpStatusCode Status, long? Index, string Body, string? ContentType)
{
    public JsonElement Json
    {
        get
        {
            try
            {
                using var document = JsonDocument.Parse(Body);
                return document.RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw new Xunit.Sdk.XunitException($"the answer is not JSON ({e.Message}): {this}");
            }
        }
    }

    public JsonElement Node => Json.GetProperty("node");

    /// <summary>The v2 error code of an error answer.</summary>
    public int ErrorCode => Json.GetProperty("errorCode").GetInt32();

    public string Cause => Json.GetProperty("cause").GetString()!;

    public override string ToString() => $"{(int)Status} X-Etcd-Index={Index?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"} {Body}";
}
