using System.Globalization;
using System.Text.Json;
using Keelson.Discovery.Protocol;
using Keelson.Discovery.Storage;
using Keelson.Limits;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Keelson.Discovery;

/// <summary>
/// The routes: <c>/new</c>, <c>/health</c> and the token routes of the v2 keys API (<c>/TOKEN</c>,
/// <c>/TOKEN/KEY</c>). Query values are read as etcd reads them; a bad one is refused with a v2 error naming it.
/// </summary>
internal static partial class DiscoveryEndpoints
{
    public const string IndexHeader = "X-Etcd-Index";

    /// <summary>Requests carry a form of one short value; anything much larger is refused unread.</summary>
    public const int MaxRequestBodyBytes = 64 * 1024;

    // Options an etcd v2 server takes that a discovery token does not: refused by name rather than ignored.
    private static readonly string[] s_unsupportedOnPut = ["dir", "prevValue", "prevIndex", "ttl", "refresh", "noValueOnSuccess"];
    private static readonly string[] s_unsupportedOnDelete = ["dir", "prevValue", "prevIndex"];

    /// <summary>Maps the routes; <c>/new</c> is limited by the new tokens' rate, the token routes by the requests', <c>/health</c> never.</summary>
    public static void Map(WebApplication app, DiscoveryOptions options)
    {
        app.MapMethods("/new", ["GET", "POST"], new RequestDelegate(NewAsync)).LimitedBy(options.NewTokens);
        app.MapGet("/health", new RequestDelegate(HealthAsync));
        app.Map("/{token}", new RequestDelegate(KeysAsync)).LimitedBy(options.Requests);
        app.Map("/{token}/{**key}", new RequestDelegate(KeysAsync)).LimitedBy(options.Requests);
    }

    private static async Task NewAsync(HttpContext context)
    {
        var request = context.Request;
        string? size = request.Query["size"] is { Count: > 0 } fromQuery ? fromQuery[0] : null;
        if (size is null && request.HasFormContentType)
        {
            var (form, formError) = await ReadFormAsync(request);
            if (formError is not null)
            {
                await WriteAsync(context, formError);
                return;
            }

            size = form!["size"] is { Count: > 0 } fromForm ? fromForm[0] : null;
        }

        var clusterSize = TokenSpace.DefaultSize;
        if (size is not null
            && !(int.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out clusterSize) && clusterSize is >= 1 and <= TokenSpace.MaxSize))
        {
            await WriteAsync(context, KeysResult.Fail(
                V2ErrorCodes.InvalidField, $"size: '{Shorten(size)}' is not a whole number from 1 to {TokenSpace.MaxSize}", 0));
            return;
        }

        string token;
        try
        {
            token = await context.RequestServices.GetRequiredService<TokenSpace>().CreateTokenAsync(clusterSize, context.RequestAborted);
        }
        catch (DiscoveryStoreException e)
        {
            await WriteAsync(context, StoreFailed(context, e));
            return;
        }

        var options = context.RequestServices.GetRequiredService<DiscoveryOptions>();
        var publicBase = options.PublicUrl is { } url
            ? url.ToString().TrimEnd('/')
            : $"{request.Scheme}://{request.Host}{request.PathBase}";
        context.Response.Headers[IndexHeader] = "1";
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync($"{publicBase}/{token}", context.RequestAborted);
    }

    private static async Task HealthAsync(HttpContext context)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        deadline.CancelAfter(TimeSpan.FromSeconds(10));
        string? problem = null;
        try
        {
            await context.RequestServices.GetRequiredService<IDiscoveryStore>().CheckHealthAsync(deadline.Token);
        }
        catch (DiscoveryStoreException e)
        {
            problem = e.Message;
        }
        catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
        {
            problem = "the store did not answer within 10s";
        }

        context.Response.StatusCode = problem is null ? 200 : 503;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(problem is null ? "OK" : $"store unavailable: {problem}", context.RequestAborted);
    }

    private static async Task KeysAsync(HttpContext context)
    {
        var token = context.GetRouteValue("token") as string ?? "";
        var key = (context.GetRouteValue("key") as string ?? "").TrimEnd('/');
        KeysResult result;
        try
        {
            result = context.Request.Method switch
            {
                "GET" => await GetAsync(context, token, key),
                "PUT" => await PutAsync(context, token, key),
                "DELETE" => await DeleteAsync(context, token, key),
                _ => MethodNotAllowed(context),
            };
        }
        catch (DiscoveryStoreException e)
        {
            result = StoreFailed(context, e);
        }

        await WriteAsync(context, result);
    }

    private static async Task<KeysResult> GetAsync(HttpContext context, string token, string key)
    {
        var query = context.Request.Query;
        KeysResult?[] checks =
        [
            ReadBool(query, "recursive", out var recursive),
            ReadBool(query, "sorted", out var sorted),
            ReadBool(query, "quorum", out _),
            ReadBool(query, "wait", out var wait),
            ReadIndex(query, "waitIndex", out var waitIndex),
        ];
        if (checks.FirstOrDefault(c => c is not null) is { } invalid)
        {
            return invalid;
        }

        var space = context.RequestServices.GetRequiredService<TokenSpace>();
        if (wait != true)
        {
            return await space.GetAsync(token, key, sorted == true, context.RequestAborted);
        }

        var options = context.RequestServices.GetRequiredService<DiscoveryOptions>();
        var time = context.RequestServices.GetRequiredService<TimeProvider>();
        var stopping = context.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        // Held until a change, the long-poll timeout, the client leaving or the service stopping (members retry).
        using var timeout = new CancellationTokenSource(options.WatchTimeout, time);
        using var held = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, stopping, context.RequestAborted);
        return await space.WatchAsync(token, key, recursive == true, waitIndex, held.Token, context.RequestAborted);
    }

    private static async Task<KeysResult> PutAsync(HttpContext context, string token, string key)
    {
        var query = context.Request.Query;
        KeysResult?[] checks = [Unsupported(query, s_unsupportedOnPut), ReadBool(query, "prevExist", out var prevExist)];
        if (checks.FirstOrDefault(c => c is not null) is { } invalid)
        {
            return invalid;
        }

        string? value = null;
        if (context.Request.HasFormContentType)
        {
            var (form, formError) = await ReadFormAsync(context.Request);
            if (formError is not null)
            {
                return formError;
            }

            if (Unsupported(form!, s_unsupportedOnPut) is { } unsupported)
            {
                return unsupported;
            }

            // etcd reads its options from a form body too, the body's value first (Go's Request.FormValue): prevExist=false
            // there must not be ignored.
            if (ReadBool(form!, "prevExist", out var formPrevExist) is { } invalidForm)
            {
                return invalidForm;
            }

            prevExist = formPrevExist ?? prevExist;

            value = form!["value"] is { Count: > 0 } fromForm ? fromForm[0] : null;
        }

        value ??= query["value"] is { Count: > 0 } fromQuery ? fromQuery[0] : null;
        return await context.RequestServices.GetRequiredService<TokenSpace>().PutAsync(token, key, value, prevExist, context.RequestAborted);
    }

    private static async Task<KeysResult> DeleteAsync(HttpContext context, string token, string key)
    {
        if (Unsupported(context.Request.Query, s_unsupportedOnDelete) is { } invalid)
        {
            return invalid;
        }

        return await context.RequestServices.GetRequiredService<TokenSpace>().DeleteAsync(token, key, context.RequestAborted);
    }

    private static KeysResult MethodNotAllowed(HttpContext context)
    {
        context.Response.Headers.Allow = "GET, PUT, DELETE";
        return new KeysResult(
            405,
            null,
            new V2Error(V2ErrorCodes.InvalidField, V2ErrorCodes.Message(V2ErrorCodes.InvalidField), $"method {context.Request.Method} is not supported on a token; use GET, PUT or DELETE", 0),
            0);
    }

    private static KeysResult StoreFailed(HttpContext context, DiscoveryStoreException e)
    {
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DiscoveryEndpoints).FullName!);
        LogStoreFailed(logger, e, context.Request.Method, context.Request.Path);
        // A 5xx makes an etcd member retry with backoff; a JSON body keeps it from calling the endpoint bad.
        return new KeysResult(
            e.IsTransient ? 503 : 500,
            null,
            new V2Error(V2ErrorCodes.RaftInternal, V2ErrorCodes.Message(V2ErrorCodes.RaftInternal), $"the discovery store failed: {e.Message}", 0),
            0);
    }

    /// <summary>etcd reads booleans with Go's strconv.ParseBool; an empty value counts as absent.</summary>
    private static KeysResult? ReadBool(IQueryCollection query, string name, out bool? value) => ReadBool(query[name], name, out value);

    private static KeysResult? ReadBool(IFormCollection form, string name, out bool? value) => ReadBool(form[name], name, out value);

    private static KeysResult? ReadBool(Microsoft.Extensions.Primitives.StringValues values, string name, out bool? value)
    {
        value = null;
        var text = values.Count > 0 ? values[0] : null;
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        value = text switch
        {
            "1" or "t" or "T" or "true" or "TRUE" or "True" => true,
            "0" or "f" or "F" or "false" or "FALSE" or "False" => false,
            _ => null,
        };
        return value is null ? KeysResult.Fail(V2ErrorCodes.InvalidField, $"invalid value for {name}: '{Shorten(text)}' is not true or false", 0) : null;
    }

    private static KeysResult? ReadIndex(IQueryCollection query, string name, out long value)
    {
        value = 0;
        var text = query[name] is { Count: > 0 } values ? values[0] : null;
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value)
            ? null
            : KeysResult.Fail(V2ErrorCodes.IndexNaN, $"invalid value for {name}: '{Shorten(text)}' is not a whole number", 0);
    }

    private static KeysResult? Unsupported(IEnumerable<KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues>> fields, string[] names)
    {
        foreach (var (name, _) in fields)
        {
            if (names.Contains(name, StringComparer.Ordinal))
            {
                return KeysResult.Fail(V2ErrorCodes.InvalidField, $"{name} is not supported by the discovery service", 0);
            }
        }

        return null;
    }

    private static async Task<(IFormCollection? Form, KeysResult? Error)> ReadFormAsync(HttpRequest request)
    {
        try
        {
            return (await request.ReadFormAsync(request.HttpContext.RequestAborted), null);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, new KeysResult(
                413,
                null,
                new V2Error(V2ErrorCodes.InvalidForm, V2ErrorCodes.Message(V2ErrorCodes.InvalidForm), $"the request body is larger than {MaxRequestBodyBytes} bytes", 0),
                0));
        }
        catch (Exception e) when (e is InvalidDataException or BadHttpRequestException)
        {
            return (null, KeysResult.Fail(V2ErrorCodes.InvalidForm, $"the form cannot be read: {e.Message}", 0));
        }
    }

    private static async Task WriteAsync(HttpContext context, KeysResult result)
    {
        var response = context.Response;
        response.StatusCode = result.Status;
        response.Headers[IndexHeader] = result.Index.ToString(CultureInfo.InvariantCulture);
        if (result.Response is { } body)
        {
            response.ContentType = "application/json";
            await JsonSerializer.SerializeAsync(response.Body, body, DiscoveryJson.Wire.V2Response, context.RequestAborted);
        }
        else if (result.Error is { } error)
        {
            response.ContentType = "application/json";
            await JsonSerializer.SerializeAsync(response.Body, error, DiscoveryJson.Wire.V2Error, context.RequestAborted);
        }
        else
        {
            response.ContentLength = 0;
        }
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";

    [LoggerMessage(EventId = DiscoveryEventIds.StoreFailed, Level = LogLevel.Warning, Message = "The store failed on {Method} {Path}")]
    private static partial void LogStoreFailed(ILogger logger, Exception exception, string method, string path);
}
