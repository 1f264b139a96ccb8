using System.Text.Json;
using Xunit.Sdk;

namespace Keelson.IntegrationTests.Harness;

/// <summary>Reads what <c>--json</c> printed; a parse failure shows the text.</summary>
public static class Json
{
    public static JsonElement Parse(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new XunitException($"the output is not JSON ({e.Message}):\n{text}");
        }
    }

    /// <summary>The element of array <paramref name="items"/> whose <paramref name="property"/> is <paramref name="value"/>.</summary>
    public static JsonElement Find(JsonElement items, string property, string value) =>
        items.EnumerateArray().FirstOrDefault(item => item.GetProperty(property).GetString() == value) is { ValueKind: JsonValueKind.Object } found
            ? found
            : throw new XunitException($"no item with {property} = {value} in {items}");
}
