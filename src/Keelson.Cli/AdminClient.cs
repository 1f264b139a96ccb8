using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Keelson.Tls;

namespace Keelson.Cli;

/// <summary>Talks to a running <c>keelson server</c>'s admin API.</summary>
internal sealed class AdminClient(HttpClient http, bool hasToken, ClientTls? tls)
{
    /// <summary>The variable the admin commands read the token from (a 403 then names the role the call needs).</summary>
    public const string TokenVariable = "KEELSON_TOKEN";

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    /// <param name="tls">The CA to trust besides the system's and the client certificate; null: the system's CAs, no certificate.</param>
    public static AdminClient Create(Uri server, string? token, ClientTls? tls = null)
    {
        var handler = new SocketsHttpHandler();
        tls?.Apply(handler);
        var http = new HttpClient(handler) { BaseAddress = server, Timeout = Timeout.InfiniteTimeSpan };
        if (!string.IsNullOrEmpty(token))
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return new AdminClient(http, !string.IsNullOrEmpty(token), tls);
    }

    public Task<T> GetAsync<T>(string path, CancellationToken cancellationToken) =>
        SendAsync<T>(new HttpRequestMessage(HttpMethod.Get, path), cancellationToken);

    /// <summary>
    /// Every item of a paged list (<c>after=</c> cursors), read <see cref="AllPagesPerPage"/> at a time, following each
    /// page's next cursor until the last page.
    /// </summary>
    public async Task<List<T>> GetAllPagesAsync<T>(string path, CancellationToken cancellationToken)
    {
        var items = new List<T>();
        var separator = path.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        string? after = null;
        do
        {
            var page = await GetAsync<Keelson.Server.Api.Contracts.Page<T>>(
                $"{path}{separator}perPage={AllPagesPerPage}{(after is null ? "" : "&after=" + Uri.EscapeDataString(after))}", cancellationToken);
            items.AddRange(page.Items);
            after = page.Next;
        }
        while (after is not null);
        return items;
    }

    /// <summary>The largest page the server gives.</summary>
    public const int AllPagesPerPage = 500;

    public Task<T> SendJsonAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken) =>
        SendAsync<T>(new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body, options: s_json) }, cancellationToken);

    /// <summary>Streams a file as the request body; <paramref name="progress"/> hears the bytes sent so far.</summary>
    public async Task<T> UploadAsync<T>(string path, string file, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var fileStream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using Stream stream = progress is null ? fileStream : new CountingReadStream(fileStream, progress);
        var content = new StreamContent(stream, 1 << 20);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.ContentLength = fileStream.Length;
        return await SendAsync<T>(new HttpRequestMessage(HttpMethod.Post, path) { Content = content }, cancellationToken);
    }

    private async Task<T> SendAsync<T>(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new CliException($"cannot reach the server at {http.BaseAddress}: {TlsFailures.Describe(e, tls, http.BaseAddress!)}");
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw new CliException(await DescribeErrorAsync(response, cancellationToken));
            }

            return await response.Content.ReadFromJsonAsync<T>(s_json, cancellationToken)
                ?? throw new CliException($"the server answered {request.RequestUri} with an empty body");
        }
    }

    /// <summary>
    /// The problem document's detail, the field it names put as the CLI's flag (<see cref="ApiFields"/>), or the
    /// status when the body is no problem document.
    /// </summary>
    private async Task<string> DescribeErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = $"{(int)response.StatusCode} {response.ReasonPhrase}";
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            const string where = "use a token from keelson token create, or the server's admin token, which it keeps in DATA/admin-token "
                + "unless keelson server was given --admin-token-file or $KEELSON_ADMIN_TOKEN";
            return hasToken
                ? $"the server does not know the token in ${TokenVariable} (mistyped, revoked, or of another server) ({status}); {where}"
                : $"no token: ${TokenVariable} is not set ({status}); {where}";
        }

        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            if (JsonNode.Parse(text) is JsonObject problem)
            {
                var detail = problem["detail"]?.GetValue<string>() ?? problem["title"]?.GetValue<string>() ?? status;
                return $"{ApiFields.Explain(Field(problem), detail)} ({status})";
            }
        }
        catch (JsonException)
        {
        }

        return text.Length > 0 ? $"{text.Trim()} ({status})" : status;
    }

    /// <summary>The field a problem names: a conflict's <c>field</c>, or a validation problem's one key in <c>errors</c>.</summary>
    private static string? Field(JsonObject problem) =>
        problem["field"] is JsonValue field && field.TryGetValue<string>(out var name) ? name
        : problem["errors"] is JsonObject { Count: 1 } errors ? errors.First().Key
        : null;
}
