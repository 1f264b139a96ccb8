using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Keelson.IntegrationTests.Harness;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Keelson.Dashboard.Tests;

/// <summary>
/// A real <c>keelson server</c> of one test: its own temp folder and database, a free loopback port, and an admin
/// token the test chose (<c>--admin-token-file</c>). The test sets up packages, channels and groups through the
/// admin API and drives machines through the Omaha endpoint, as a publisher and a fleet would.
/// </summary>
internal sealed class DashboardServer : IAsyncDisposable
{
    /// <summary>The CoreOS application, which the dashboard shows.</summary>
    public const string AppId = "e96281a6-d1af-4bde-9a0a-97b76e56dc57";

    private const string AppApi = "/api/apps/" + AppId;

    private readonly KeelsonProcess _keelson;
    private readonly RunningServer _server;

    private DashboardServer(KeelsonProcess keelson, RunningServer server, string token)
    {
        _keelson = keelson;
        _server = server;
        Token = token;
    }

    /// <summary>The address it listens on, e.g. http://127.0.0.1:40123/.</summary>
    public Uri Url => _server.Url;

    /// <summary>The admin token it was started with.</summary>
    public string Token { get; }

    /// <summary>A client that sends no credentials: what a machine or a stranger has.</summary>
    public HttpClient Http => _server.Http;

    public static async Task<DashboardServer> StartAsync(ITestOutputHelper log)
    {
        var keelson = new KeelsonProcess(log);
        try
        {
            var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
            var tokenFile = keelson.PathOf("admin-token");
            await File.WriteAllTextAsync(tokenFile, token + "\n");
            // The server refuses a token file other users may read.
            File.SetUnixFileMode(tokenFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            var server = await keelson.StartServerAsync(extraArguments: ["--admin-token-file", tokenFile]);
            log.WriteLine($"keelson server at {server.Url} (data in {server.DataDirectory})");
            return new DashboardServer(keelson, server, token);
        }
        catch
        {
            await keelson.DisposeAsync();
            throw;
        }
    }

    /// <summary>A machine of group (track) <paramref name="track"/> running <paramref name="version"/>; it has not spoken yet.</summary>
    public FleetMachine Machine(string id, string track, string version, string alias = "") => new(Http, id, track, version, alias);

    /// <summary>Uploads a payload of random bytes as package <paramref name="version"/>.</summary>
    public async Task<JsonElement> PublishAsync(string version)
    {
        using var content = new ByteArrayContent(RandomNumberGenerator.GetBytes(4096));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return await SendAsync(HttpMethod.Post, $"{AppApi}/packages?version={Uri.EscapeDataString(version)}&name=flatcar_production_update.gz", content);
    }

    public Task<JsonElement> SetChannelAsync(string channel, string version) =>
        SendAsync(HttpMethod.Put, $"{AppApi}/channels/{channel}", JsonContent.Create(new { version }));

    public Task<JsonElement> CreateGroupAsync(string name, string channel) =>
        SendAsync(HttpMethod.Post, $"{AppApi}/groups", JsonContent.Create(new { name, channel }));

    /// <summary>Changes a group's policy: <paramref name="changes"/> holds the fields of the API's group request.</summary>
    public Task<JsonElement> UpdateGroupAsync(string name, object changes) =>
        SendAsync(HttpMethod.Patch, $"{AppApi}/groups/{name}", JsonContent.Create(changes));

    public Task<JsonElement> PauseGroupAsync(string name) => SendAsync(HttpMethod.Post, $"{AppApi}/groups/{name}/pause");

    /// <summary>Every group's rollout (<c>GET /api/apps/{app}/rollout</c>, one page as large as pages go).</summary>
    public async Task<JsonElement> RolloutAsync() => (await GetAsync($"{AppApi}/rollout?perPage=500")).GetProperty("items");

    public Task<JsonElement> GroupAsync(string name) => GetAsync($"{AppApi}/groups/{name}");

    public async Task<JsonElement> ChannelsAsync() => (await GetAsync($"{AppApi}/channels?perPage=500")).GetProperty("items");

    /// <summary>One page of machines: <paramref name="query"/> is the query string, e.g. <c>q=ab&amp;sort=-version</c>.</summary>
    public Task<JsonElement> InstancesAsync(string query) => GetAsync($"{AppApi}/instances?{query}");

    public Task<JsonElement> InstanceAsync(string machineId) => GetAsync($"{AppApi}/instances/{machineId}");

    public Task<JsonElement> RebootLocksAsync() => GetAsync("/api/reboot-locks");

    /// <summary>A machine takes a reboot slot of <paramref name="group"/> through FleetLock, as before a reboot.</summary>
    public async Task TakeRebootSlotAsync(string group, string machineId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/pre-reboot")
        {
            Content = JsonContent.Create(new { client_params = new { group, id = machineId } }),
        };
        request.Headers.Add("fleet-lock-protocol", "true");
        using var response = await Http.SendAsync(request);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new XunitException($"pre-reboot of {machineId} in {group} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    public Task<JsonElement> GetAsync(string path) => SendAsync(HttpMethod.Get, path);

    public ValueTask DisposeAsync() => _keelson.DisposeAsync();

    /// <summary>An admin API call that must succeed, and the JSON it answered; a refusal fails the test with the server's problem text.</summary>
    private async Task<JsonElement> SendAsync(HttpMethod method, string path, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var response = await Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new XunitException($"{method} {path} answered {(int)response.StatusCode}: {body}");
        }

        using var document = JsonDocument.Parse(body);
        return document.RootElement.Clone();
    }
}
