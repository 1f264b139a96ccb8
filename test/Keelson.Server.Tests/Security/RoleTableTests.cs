using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Keelson.Server.Security;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Keelson.Server.Tests.Security;

/// <summary>What each role may and may not call on the admin API, as a table.</summary>
public sealed class RoleTableTests : IAsyncLifetime
{
    private const string App = $"/api/apps/{TestServer.CoreOsApp}";

    // The policy as users are told it (docs/security-roles.md), written out independently of the code's table:
    // each call and the lowest role that may make it. A machine's token may make none of them.
    private static readonly (string Method, string Path, string? Body, string Lowest)[] s_calls =
    [
        ("GET", "/api/apps", null, "viewer"),
        ("GET", $"{App}/groups", null, "viewer"),
        ("GET", $"{App}/instances", null, "viewer"),
        ("GET", "/api/activity", null, "viewer"),
        ("GET", "/api/reboot-locks", null, "viewer"),
        ("POST", $"{App}/packages", """{"version":"not a version"}""", "operator"),
        ("PUT", $"{App}/channels/alpha", """{"version":"9.9.9"}""", "operator"),
        ("POST", $"{App}/channels/beta/promote", """{"from":"alpha"}""", "operator"),
        ("PATCH", $"{App}/groups/alpha", """{"safeMode":true}""", "operator"),
        ("POST", $"{App}/groups/alpha/pause", null, "operator"),
        ("POST", $"{App}/groups/alpha/resume", null, "operator"),
        ("PUT", "/api/reboot-locks/workers", """{"slots":2}""", "operator"),
        ("DELETE", "/api/reboot-locks/workers/holders/m1", null, "operator"),
        ("POST", "/api/apps", """{"name":""}""", "admin"),
        ("POST", $"{App}/channels", """{"name":"lts"}""", "admin"),
        ("POST", $"{App}/groups", """{"name":"canary","channel":"alpha"}""", "admin"),
        ("DELETE", $"{App}/channels/no-such-channel", null, "admin"),
        ("DELETE", $"{App}/groups/no-such-group", null, "admin"),
        ("DELETE", $"{App}/packages/9.9.9", null, "admin"),
        ("GET", "/api/tokens", null, "admin"),
        ("POST", "/api/tokens", """{"name":"x","role":"nobody"}""", "admin"),
        ("DELETE", "/api/tokens/no-such-token", null, "admin"),
    ];

    private static readonly string[] s_ladder = ["viewer", "operator", "admin"];

    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Each_role_makes_the_calls_its_role_allows_and_is_refused_the_others_with_the_role_needed()
    {
        var failures = new List<string>();
        foreach (var role in (string[])["machine", "viewer", "operator", "admin"])
        {
            using var client = _server.ClientWith(await _server.CreateTokenAsync("t-" + role, role));
            foreach (var (method, path, body, lowest) in s_calls)
            {
                var allowed = role != "machine" && Array.IndexOf(s_ladder, role) >= Array.IndexOf(s_ladder, lowest);
                using var response = await client.SendAsync(Request(method, path, body));
                var text = await response.Content.ReadAsStringAsync();
                if (allowed && response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                {
                    failures.Add($"{role}: {method} {path} was refused ({(int)response.StatusCode}): {text}");
                }
                else if (!allowed && (response.StatusCode != HttpStatusCode.Forbidden
                    || !text.Contains($"this needs the role {lowest}", StringComparison.Ordinal)
                    || !text.Contains($"token 't-{role}' has the role {role}", StringComparison.Ordinal)))
                {
                    failures.Add($"{role}: {method} {path} answered {(int)response.StatusCode}, not 403 naming the role {lowest}: {text}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task A_refused_call_changes_nothing()
    {
        using var viewer = _server.ClientWith(await _server.CreateTokenAsync("watcher", "viewer"));

        using var response = await viewer.SendAsync(Request("POST", $"{App}/groups/alpha/pause", null));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using var group = JsonDocument.Parse(await _server.Http.GetStringAsync($"{App}/groups/alpha"));
        Assert.True(group.RootElement.GetProperty("updatesEnabled").GetBoolean());
        Assert.Equal(["operator", "admin"], JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement
            .GetProperty("needs").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Every_admin_endpoint_wants_a_token_and_follows_the_role_table()
    {
        // Every endpoint under /api that the server maps, whoever added it: none may answer without a token, and
        // each answers each role as Roles says for what the endpoint needs.
        var endpoints = _server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(m => (Method: m, Path: Fill(e.RoutePattern.RawText!), Endpoint: e)))
            .ToList();
        Assert.True(endpoints.Count > 20, $"only {endpoints.Count} admin endpoints found");
        var tokens = new Dictionary<Role, HttpClient>();
        foreach (var role in Roles.All)
        {
            tokens[role] = _server.ClientWith(await _server.CreateTokenAsync("every-" + Roles.Name(role), Roles.Name(role)));
        }

        using var anonymous = new HttpClient { BaseAddress = _server.BaseUrl };
        var failures = new List<string>();
        foreach (var (method, path, endpoint) in endpoints)
        {
            using (var response = await anonymous.SendAsync(Request(method, path, "{}")))
            {
                if (response.StatusCode != HttpStatusCode.Unauthorized)
                {
                    failures.Add($"no token: {method} {path} answered {(int)response.StatusCode}");
                }
            }

            var needed = endpoint.Metadata.GetMetadata<ApiAuthorization.NeedsPermission>()?.Permission
                ?? (method is "GET" or "HEAD" ? Permission.Read : Permission.Administer);
            // Only refusals are tried for every endpoint: an allowed call here would change the server under the others.
            foreach (var role in Roles.All.Where(r => !Roles.Allows(r, needed)))
            {
                using var response = await tokens[role].SendAsync(Request(method, path, "{}"));
                if (response.StatusCode != HttpStatusCode.Forbidden)
                {
                    failures.Add($"{Roles.Name(role)}: {method} {path} (needs {needed}) answered {(int)response.StatusCode}");
                }
            }
        }

        foreach (var client in tokens.Values)
        {
            client.Dispose();
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private static string Fill(string pattern) => pattern
        .Replace("{appId}", TestServer.CoreOsApp, StringComparison.Ordinal)
        .Replace("{group}", "no-such-group", StringComparison.Ordinal)
        .Replace("{channel}", "no-such-channel", StringComparison.Ordinal)
        .Replace("{version}", "9.9.9", StringComparison.Ordinal)
        .Replace("{machineId}", "no-such-machine", StringComparison.Ordinal)
        .Replace("{name}", "no-such-token", StringComparison.Ordinal)
        .Replace("{id}", "no-such-holder", StringComparison.Ordinal);

    private static HttpRequestMessage Request(string method, string path, string? body) =>
        new(new HttpMethod(method), path)
        {
            Content = body is null ? null : new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
}
