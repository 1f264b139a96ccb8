using System.Net;
using System.Net.Http.Json;
using Keelson.Server.Api.Contracts;
using Keelson.Server.Security;
using Keelson.Server.Storage;
using Keelson.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace Keelson.Server.Tests.Security;

/// <summary>Named tokens: made, listed, used, revoked; and who did what, in the activity log.</summary>
public sealed class TokenTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_created_token_is_shown_once_listed_without_its_secret_and_refused_once_revoked()
    {
        var secret = await _server.CreateTokenAsync("ci-release", "operator");
        Assert.Equal(64, secret.Length);
        using var ci = _server.ClientWith(secret);
        Assert.Equal(HttpStatusCode.OK, (await ci.GetAsync("/api/apps")).StatusCode);

        var listed = await _server.Http.GetStringAsync("/api/tokens");
        Assert.DoesNotContain(secret, listed, StringComparison.Ordinal);
        Assert.DoesNotContain(TokenStore.Hash(secret), listed, StringComparison.Ordinal);
        var tokens = (await _server.ListAsync<TokenInfo>("/api/tokens"));
        Assert.Equal(["admin", "ci-release"], tokens.Select(t => t.Name));
        Assert.True(tokens[0].BuiltIn);
        var token = tokens[1];
        Assert.Equal(("operator", "admin", _server.Time.GetUtcNow(), _server.Time.GetUtcNow()), (token.Role, token.CreatedBy, token.CreatedAt, token.LastUsedAt));

        var revoked = await _server.Http.DeleteAsync("/api/tokens/ci-release");
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        var refused = await ci.GetAsync("/api/apps");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("not known here", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Null(await _server.Services.GetRequiredService<TokenStore>().AuthenticateAsync(secret, CancellationToken.None));
        Assert.Equal(["admin"], (await _server.ListAsync<TokenInfo>("/api/tokens")).Select(t => t.Name));
    }

    [Fact]
    public async Task A_machine_token_is_what_machines_present_and_opens_nothing_else()
    {
        var secret = await _server.CreateTokenAsync("rack-7", "machine");
        var store = _server.Services.GetRequiredService<TokenStore>();

        Assert.Equal(new Caller("rack-7", Role.Machine), await store.AuthenticateAsync(secret, CancellationToken.None));
        Assert.Null(await store.AuthenticateAsync(secret[..^1] + (secret[^1] == '0' ? '1' : '0'), CancellationToken.None));
        Assert.Null(await store.AuthenticateAsync("", CancellationToken.None));
        Assert.Null(await store.AuthenticateAsync(new string('a', 5000), CancellationToken.None));
        using var machine = _server.ClientWith(secret);
        Assert.Equal(HttpStatusCode.Forbidden, (await machine.GetAsync("/api/apps")).StatusCode);
    }

    [Theory]
    [InlineData("admin", "operator", HttpStatusCode.Conflict, "built-in admin token")]
    [InlineData("ci", "operator", HttpStatusCode.Conflict, "a token named ci exists")]
    [InlineData("has space", "operator", HttpStatusCode.BadRequest, "must be 1-64 letters")]
    [InlineData("ops", "root", HttpStatusCode.BadRequest, "role 'root' is not one of viewer, operator, admin, machine")]
    public async Task A_token_that_cannot_be_made_is_refused_with_why(string name, string role, HttpStatusCode status, string why)
    {
        await _server.CreateTokenAsync("ci", "viewer");

        var response = await _server.Http.PostAsJsonAsync("/api/tokens", new CreateTokenRequest(name, role));

        Assert.Equal(status, response.StatusCode);
        Assert.Contains(why, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(["admin", "ci"], (await _server.ListAsync<TokenInfo>("/api/tokens")).Select(t => t.Name));
    }

    [Fact]
    public async Task The_built_in_admin_and_the_callers_own_token_cannot_be_revoked()
    {
        using var second = _server.ClientWith(await _server.CreateTokenAsync("second-admin", "admin"));

        var builtIn = await second.DeleteAsync("/api/tokens/admin");
        var self = await second.DeleteAsync("/api/tokens/second-admin");

        Assert.Equal(HttpStatusCode.Conflict, builtIn.StatusCode);
        Assert.Contains("built-in admin token cannot be revoked", await builtIn.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, self.StatusCode);
        Assert.Contains("is the one this request came with", await self.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await second.GetAsync("/api/tokens")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _server.Http.GetAsync("/api/tokens")).StatusCode);
    }

    [Fact]
    public async Task Every_change_records_the_token_it_was_made_with_and_the_address_it_came_from()
    {
        using var operatorClient = _server.ClientWith(await _server.CreateTokenAsync("olga", "operator"));

        Assert.Equal(HttpStatusCode.OK, (await operatorClient.PostAsync($"{_server.AppPath}/groups/alpha/pause", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await operatorClient.PutAsJsonAsync("/api/reboot-locks/workers", new { slots = 3 })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _server.Http.DeleteAsync("/api/tokens/olga")).StatusCode);

        var activity = (await _server.ActivityAsync()).Items;
        var pause = Assert.Single(activity, a => a.Kind == "GroupPaused");
        Assert.Equal(("olga", "127.0.0.1"), (pause.By, pause.From));
        var slots = Assert.Single(activity, a => a.Kind == "RebootSlotsSet");
        Assert.Equal(("olga", "reboot group workers now has 3 slots"), (slots.By, slots.Message));
        var created = Assert.Single(activity, a => a.Kind == "TokenCreated");
        Assert.Equal(("admin", "token olga created with the role operator"), (created.By, created.Message));
        var revoked = Assert.Single(activity, a => a.Kind == "TokenRevoked");
        Assert.Equal(("admin", "127.0.0.1"), (revoked.By, revoked.From));
    }

    [Fact]
    public async Task What_machines_report_has_no_actor()
    {
        await _server.PublishAsync("2605.1.0");
        await _server.SetChannelAsync("stable", "2605.1.0");
        await _server.CheckAsync("0f4c2a3e6f0a4c8e9a3b1d2c3e4f5a6b", "2604.0.0");
        await _server.EventAsync("0f4c2a3e6f0a4c8e9a3b1d2c3e4f5a6b", "2604.0.0", 3, 0, errorCode: 268435466);

        var activity = (await _server.ActivityAsync()).Items;

        Assert.Contains(activity, a => a.Kind == "ChannelPackageUpdated" && a.By == "admin");
        var failure = Assert.Single(activity, a => a.Kind == "InstanceUpdateFailed");
        Assert.Null(failure.By);
    }

    [Fact]
    public async Task A_revoke_on_one_replica_is_refused_by_another_sharing_its_PostgreSQL_at_once()
    {
        // Always PostgreSQL: replicas share nothing else. The fake clock never moves, so only the notification can
        // carry the change: the periodic refresh never runs.
        var database = DatabaseLocation.TryParse(await PostgresCluster.CreateDatabaseAsync(), out var location, out var error)
            ? location : throw new InvalidOperationException(error);
        await using var one = await TestServer.StartAsync(database: database);
        await using var two = await TestServer.StartAsync(database: database);
        var secret = await one.CreateTokenAsync("roaming", "viewer");
        var store = two.Services.GetRequiredService<TokenStore>();
        await Eventually.HoldsAsync(async () => await store.AuthenticateAsync(secret, CancellationToken.None) is not null, "the token reaches replica two");

        Assert.Equal(HttpStatusCode.OK, (await one.Http.DeleteAsync("/api/tokens/roaming")).StatusCode);

        await Eventually.HoldsAsync(async () => await store.AuthenticateAsync(secret, CancellationToken.None) is null, "the revoke reaches replica two");
        using var client = two.ClientWith(secret);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/apps")).StatusCode);
    }
}
