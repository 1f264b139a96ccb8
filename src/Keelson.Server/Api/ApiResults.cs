using System.Text.Json;
using Keelson.Server.Catalog;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Keelson.Server.Api;

/// <summary>Turns outcomes into responses and reads JSON bodies with errors that name the field.</summary>
internal static class ApiResults
{
    private const long MaxJsonBytes = 1 << 20;

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);

    public static IResult From<T>(Outcome<T> outcome, int successStatus = StatusCodes.Status200OK) =>
        outcome.Error is { } error ? Problem(error)
        : successStatus == StatusCodes.Status201Created ? Results.Json(outcome.Value, Json, statusCode: StatusCodes.Status201Created)
        : Results.Json(outcome.Value, Json);

    public static IResult Problem(CatalogError error) => error.Kind switch
    {
        CatalogErrorKind.Invalid => Results.ValidationProblem(
            new Dictionary<string, string[]> { [error.Field ?? "body"] = [error.Message] },
            detail: error.Message,
            title: "The request is invalid."),
        CatalogErrorKind.NotFound => Results.Problem(error.Message, statusCode: StatusCodes.Status404NotFound, title: "Not found."),
        _ => Results.Problem(error.Message, statusCode: StatusCodes.Status409Conflict, title: "Conflict.",
            extensions: error.Field is null ? null : new Dictionary<string, object?> { ["field"] = error.Field }),
    };

    /// <summary>Reads a JSON body of at most 1 MiB; a refusal names what was wrong.</summary>
    public static async Task<Outcome<T>> ReadJsonAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        if (!request.HasJsonContentType())
        {
            return CatalogError.Invalid("body", "the body must be JSON (Content-Type: application/json)");
        }

        if (request.ContentLength > MaxJsonBytes)
        {
            return CatalogError.Invalid("body", $"the body is larger than {MaxJsonBytes} bytes");
        }

        // Also bounds a chunked body, whose length is not announced.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxJsonBytes;
        }

        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(request.Body, Json, cancellationToken);
            return value is null ? CatalogError.Invalid("body", "the body is empty (null)") : value;
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return CatalogError.Invalid("body", $"the body is larger than {MaxJsonBytes} bytes");
        }
        catch (JsonException e)
        {
            var field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "body" : e.Path.TrimStart('$', '.');
            var line = e.LineNumber is { } number ? $" (line {number + 1})" : "";
            return CatalogError.Invalid(field, $"the JSON is malformed at {e.Path ?? "$"}{line}: {FirstSentence(e.Message)}");
        }
    }

    /// <summary>A positive integer query parameter, or the default when absent.</summary>
    public static Outcome<int> QueryInt(HttpRequest request, string name, int defaultValue)
    {
        var text = request.Query[name].ToString();
        if (text.Length == 0)
        {
            return defaultValue;
        }

        return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value)
            ? value
            : CatalogError.Invalid(name, $"{name} '{Names.Shorten(text)}' is not a whole number");
    }

    /// <summary>A true/false query parameter, false when absent.</summary>
    public static Outcome<bool> QueryBool(HttpRequest request, string name)
    {
        var text = request.Query[name].ToString();
        return text.Length == 0 ? false
            : bool.TryParse(text, out var value) ? value
            : CatalogError.Invalid(name, $"{name} '{Names.Shorten(text)}' must be true or false");
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..(end + 1)];
    }
}
