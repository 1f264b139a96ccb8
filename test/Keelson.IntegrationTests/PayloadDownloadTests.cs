using System.Net;
using System.Net.Http.Headers;
using Keelson.IntegrationTests.Harness;
using Xunit.Abstractions;

namespace Keelson.IntegrationTests;

/// <summary>Hosted payloads download the way update_engine and curl download them: ranges, validators, resumes.</summary>
public sealed class PayloadDownloadTests(ITestOutputHelper log)
{
    [Fact]
    public async Task Range_request_gets_206_with_exactly_those_bytes_and_416_past_the_end()
    {
        await using var keelson = new KeelsonProcess(log);
        var (server, payload, url) = await PublishAsync(keelson);

        using (var request = new HttpRequestMessage(HttpMethod.Get, url))
        {
            request.Headers.Range = new RangeHeaderValue(100, 199);
            using var response = await server.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
            Assert.Equal($"bytes 100-199/{payload.Bytes.Length}", response.Content.Headers.ContentRange?.ToString());
            Assert.Equal(payload.Bytes[100..200], await response.Content.ReadAsByteArrayAsync());
        }

        using (var request = new HttpRequestMessage(HttpMethod.Get, url))
        {
            request.Headers.Range = new RangeHeaderValue(payload.Bytes.Length + 10, null);
            using var response = await server.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, response.StatusCode);
            Assert.Equal(payload.Bytes.Length, response.Content.Headers.ContentRange?.Length);
        }
    }

    [Fact]
    public async Task Download_carries_ETag_and_Last_Modified_and_a_matching_If_None_Match_gets_304()
    {
        await using var keelson = new KeelsonProcess(log);
        var (server, payload, url) = await PublishAsync(keelson);

        EntityTagHeaderValue etag;
        using (var response = await server.Http.GetAsync(url))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            etag = response.Headers.ETag ?? throw new Xunit.Sdk.XunitException("no ETag header");
            Assert.NotNull(response.Content.Headers.LastModified);
            Assert.Equal(payload.Bytes.Length, response.Content.Headers.ContentLength);
            Assert.Equal(payload.Bytes, await response.Content.ReadAsByteArrayAsync());
        }

        using var conditional = new HttpRequestMessage(HttpMethod.Get, url);
        conditional.Headers.IfNoneMatch.Add(etag);
        using var notModified = await server.Http.SendAsync(conditional);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Download_cut_off_halfway_resumes_with_a_range_and_reassembles_the_exact_file()
    {
        await using var keelson = new KeelsonProcess(log);
        var (server, payload, url) = await PublishAsync(keelson);
        var half = payload.Bytes.Length / 2;
        var received = new byte[payload.Bytes.Length];

        EntityTagHeaderValue etag;
        using (var response = await server.Http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            etag = response.Headers.ETag ?? throw new Xunit.Sdk.XunitException("no ETag header");
            await using var body = await response.Content.ReadAsStreamAsync();
            await body.ReadExactlyAsync(received.AsMemory(0, half));
            // Disposing the response here drops the connection mid-body, as a reboot or network cut would.
        }

        using var resume = new HttpRequestMessage(HttpMethod.Get, url);
        resume.Headers.Range = new RangeHeaderValue(half, null);
        resume.Headers.IfRange = new RangeConditionHeaderValue(etag);
        using var rest = await server.Http.SendAsync(resume);
        Assert.Equal(HttpStatusCode.PartialContent, rest.StatusCode);
        Assert.Equal($"bytes {half}-{payload.Bytes.Length - 1}/{payload.Bytes.Length}", rest.Content.Headers.ContentRange?.ToString());
        var tail = await rest.Content.ReadAsByteArrayAsync();
        Assert.Equal(payload.Bytes.Length - half, tail.Length);
        tail.CopyTo(received, half);

        Assert.Equal(payload.Bytes, received);
    }

    /// <summary>A server with one published ~3 MB payload, and the URL it is downloaded from.</summary>
    private static async Task<(RunningServer Server, TestPayload Payload, Uri Url)> PublishAsync(KeelsonProcess keelson)
    {
        var server = await keelson.StartServerAsync();
        var payload = TestPayload.Create(keelson.PathOf("update.gz"), 3 * 1024 * 1024 + 5);
        var publish = await keelson.SucceedAsync("package", "publish", "--version", "2605.10.0", "--file", payload.Path, "--json");
        var url = Json.Parse(publish.StandardOutput).GetProperty("url").GetString()!;
        return (server, payload, new Uri(url));
    }
}
