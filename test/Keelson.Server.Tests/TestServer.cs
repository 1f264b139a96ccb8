using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Keelson.Server.Api.Contracts;
using Keelson.Server.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Time.Testing;

namespace Keelson.Server.Tests;

/// <summary>A real update service on a loopback port, with its own data folder and a fake clock.</summary>
public sealed class TestServer : IAsyncDisposable
{
    public const string CoreOsApp = "e96281a6-d1af-4bde-9a0a-97b76e56dc57";
    public const string Token = "4f1c9e27b8d03a65e2f7c4b19a8d6e3057c2b9f41e8a7d3c6b05f2e9a1d4c7b8";

    private readonly WebApplication _app;

    private TestServer(WebApplication app, string dataDirectory, DatabaseLocation? database, FakeTimeProvider time, HttpMessageHandler? handler)
    {
        _app = app;
        DataDirectory = dataDirectory;
        Database = database;
        Time = time;
        BaseUrl = new Uri(KeelsonServer.Addresses(app)[0]);
        Http = handler is null ? new HttpClient { BaseAddress = BaseUrl } : new HttpClient(handler) { BaseAddress = BaseUrl };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
    }

    public IServiceProvider Services => _app.Services;

    public string DataDirectory { get; }

    /// <summary>The server's database; null for SQLite in <see cref="DataDirectory"/>. A restart passes it on.</summary>
    public DatabaseLocation? Database { get; }
    public FakeTimeProvider Time { get; }
    public Uri BaseUrl { get; }
    public HttpClient Http { get; }

    /// <summary>
    /// Starts a server on <paramref name="dataDirectory"/> (a new temp folder by default) and <paramref name="database"/>
    /// (a new one by default, of the kind <see cref="TestDatabase"/> chooses). <see cref="Http"/> sends through
    /// <paramref name="adminHandler"/> when given (one with a client certificate, say).
    /// </summary>
    public static async Task<TestServer> StartAsync(
        Action<ServerOptions>? configure = null, string? dataDirectory = null, DatabaseLocation? database = null, HttpMessageHandler? adminHandler = null)
    {
        dataDirectory ??= Directory.CreateTempSubdirectory("keelson-server-test-").FullName;
        database ??= await TestDatabase.ForServerAsync();
        var options = new ServerOptions { DataDirectory = dataDirectory, AdminToken = Token, Database = database };
        options.Listen.Add(new Uri("http://127.0.0.1:0"));
        configure?.Invoke(options);
        // Monday 2026-11-23 12:00 UTC: a fixed, known weekday.
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
        var app = await KeelsonServer.BuildAsync(options, time);
        await app.StartAsync();
        return new TestServer(app, dataDirectory, database, time, adminHandler);
    }

    public string AppPath => $"/api/apps/{CoreOsApp}";

    /// <summary>Uploads random bytes as a package of <paramref name="version"/>; returns the package and its bytes.</summary>
    public async Task<(PackageInfo Package, byte[] Bytes)> PublishAsync(string version, int size = 4096, string name = "flatcar_production_update.gz")
    {
        var bytes = RandomNumberGenerator.GetBytes(size);
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var response = await Http.PostAsync($"{AppPath}/packages?version={version}&name={name}", content);
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return ((await response.Content.ReadFromJsonAsync<PackageInfo>(Json))!, bytes);
    }

    public async Task SetChannelAsync(string channel, string version)
    {
        var response = await Http.PutAsJsonAsync($"{AppPath}/channels/{channel}", new SetChannelRequest(version));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    public async Task CreateGroupAsync(string name, string channel)
    {
        var response = await Http.PostAsJsonAsync($"{AppPath}/groups", new GroupRequest(name, channel));
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    public async Task<GroupInfo> PatchGroupAsync(string group, GroupRequest request)
    {
        var response = await Http.PatchAsJsonAsync($"{AppPath}/groups/{group}", request);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<GroupInfo>(Json))!;
    }

    /// <summary>Creates a token through the admin API; returns its secret.</summary>
    public async Task<string> CreateTokenAsync(string name, string role)
    {
        var response = await Http.PostAsJsonAsync("/api/tokens", new CreateTokenRequest(name, role));
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<CreatedToken>(Json))!.Secret;
    }

    /// <summary>A client that presents <paramref name="token"/> as its bearer token.</summary>
    public HttpClient ClientWith(string token)
    {
        var client = new HttpClient { BaseAddress = BaseUrl };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public async Task<InstanceDetail> InstanceAsync(string machineId) =>
        (await Http.GetFromJsonAsync<InstanceDetail>($"{AppPath}/instances/{machineId}", Json))!;

    /// <summary>The first page of a list of the admin API, as large as pages go (every item, in the tests' small lists).</summary>
    public async Task<List<T>> ListAsync<T>(string path) =>
        [.. (await Http.GetFromJsonAsync<Page<T>>($"{path}?perPage={Catalog.FleetQueries.MaxPerPage}", Json))!.Items];

    public async Task<Page<ActivityEntry>> ActivityAsync() =>
        (await Http.GetFromJsonAsync<Page<ActivityEntry>>("/api/activity?perPage=500", Json))!;

    /// <summary>Posts an Omaha document; returns the status and the parsed response (null when not XML).</summary>
    public async Task<(System.Net.HttpStatusCode Status, XDocument? Body, string Text)> PostOmahaAsync(string xml)
    {
        using var content = new StringContent(xml, Encoding.UTF8, "text/xml");
        var response = await new HttpClient { BaseAddress = BaseUrl }.PostAsync("/v1/update/", content);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, response.IsSuccessStatusCode ? XDocument.Parse(text) : null, text);
    }

    /// <summary>An update check as update_engine sends it, answered as XML; fails the test on a non-200 answer.</summary>
    public async Task<XElement> CheckAsync(string machineId, string version, string track = "stable", string events = "<event eventtype=\"3\" eventresult=\"2\" previousversion=\"\"></event>")
    {
        var (status, body, text) = await PostOmahaAsync(OmahaXml.Request(machineId, version, track, "<ping active=\"1\"></ping><updatecheck></updatecheck>" + events));
        Assert.True(status == System.Net.HttpStatusCode.OK, text);
        return body!.Root!.Element("app")!;
    }

    /// <summary>A stand-alone event request.</summary>
    public async Task EventAsync(string machineId, string version, int type, int result, long? errorCode = null, string track = "stable")
    {
        var error = errorCode is null ? "" : $" errorcode=\"{errorCode}\"";
        var (status, body, text) = await PostOmahaAsync(OmahaXml.Request(machineId, version, track, $"<event eventtype=\"{type}\" eventresult=\"{result}\"{error}></event>"));
        Assert.True(status == System.Net.HttpStatusCode.OK, text);
        Assert.Equal("ok", body!.Root!.Element("app")!.Element("event")!.Attribute("status")!.Value);
    }

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Directory.Delete(DataDirectory, recursive: true);
    }
}
