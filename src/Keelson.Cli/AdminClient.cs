using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Keelson.Cli;

/// <summary>Talks to a running <c>keelson server</c>'s admin API.</summary>
internal sealed class AdminClient(HttpClient http)
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    public static AdminClient Create(Uri server, string? token)
    {
        var http = new HttpClient { BaseAddress = server, Timeout = Timeout.InfiniteTimeSpan };
        if (!string.IsNullOrEmpty(token))
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return new AdminClient(http);
    }

    public Task<T> GetAsync<T>(string path, CancellationToken cancellationToken) =>
        SendAsync<T>(new HttpRequestMessage(HttpMethod.Get, path), cancellationToken);

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
            throw new CliException($"cannot reach the server at {http.BaseAddress}: {e.Message}");
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

    /// <summary>The problem document's detail and field, or the status when the body is no problem document.</summary>
    private static async Task<string> DescribeErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = $"{(int)response.StatusCode} {response.ReasonPhrase}";
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            return $"the server refused the admin token ({status}); set KEELSON_TOKEN to the server's token (DATA/admin-token)";
        }

        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            if (JsonNode.Parse(text) is JsonObject problem)
            {
                var detail = problem["detail"]?.GetValue<string>() ?? problem["title"]?.GetValue<string>() ?? status;
                return $"{detail} ({status})";
            }
        }
        catch (JsonException)
        {
        }

        return text.Length > 0 ? $"{text.Trim()} ({status})" : status;
    }
}
