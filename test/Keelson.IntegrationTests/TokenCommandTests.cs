using Keelson.IntegrationTests.Harness;
using Xunit.Abstractions;

namespace Keelson.IntegrationTests;

/// <summary><c>keelson token create | list | revoke</c> against a real server, and the admin token's checks at start.</summary>
public sealed class TokenCommandTests(ITestOutputHelper log)
{
    [Fact]
    public async Task A_token_is_created_listed_used_for_its_role_and_revoked_through_the_cli()
    {
        await using var keelson = new KeelsonProcess(log);
        var server = await keelson.StartServerAsync();

        var created = await keelson.RunAsync("token", "create", "ci-release", "--role", "operator");
        Assert.True(created.ExitCode == 0, created.ToString());
        var secret = created.StandardOutput.Trim();
        Assert.Matches("^[0-9a-f]{64}$", secret);
        Assert.Contains("token ci-release (operator) created; the line above is its secret, shown this once", created.StandardError, StringComparison.Ordinal);
        var asCi = new Dictionary<string, string?> { ["KEELSON_TOKEN"] = secret };

        var paused = await keelson.RunAsync(["group", "pause", "stable"], asCi);
        Assert.True(paused.ExitCode == 0, paused.ToString());
        var refused = await keelson.RunAsync(["group", "create", "canary", "--channel", "beta"], asCi);
        Assert.True(refused.ExitCode == 1, refused.ToString());
        Assert.Contains("this needs the role admin; token 'ci-release' has the role operator (403 Forbidden)", refused.StandardError, StringComparison.Ordinal);

        var list = await keelson.RunAsync("token", "list");
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.DoesNotContain(secret, list.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Token!, list.StandardOutput, StringComparison.Ordinal);
        var rows = list.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^NAME\s+ROLE\s+CREATED\s+BY\s+LAST USED", rows[0]);
        Assert.Matches(@"^admin\s+admin\s+built in\s+", rows[1]);
        Assert.Matches(@"^ci-release\s+operator\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ \(.*\)\s+admin\s+\d{4}-", rows[2]);

        var activity = await keelson.RunAsync("activity", "list");
        Assert.Matches(@"GroupPaused\s+info\s+stable\s+-\s+-\s+ci-release\s+127\.0\.0\.1\s+", activity.StandardOutput);

        var revoked = await keelson.RunAsync("token", "revoke", "ci-release");
        Assert.True(revoked.ExitCode == 0, revoked.ToString());
        Assert.Equal("token ci-release (operator) revoked", revoked.StandardOutput.Trim());
        var gone = await keelson.RunAsync(["channel", "list"], asCi);
        Assert.True(gone.ExitCode == 1, gone.ToString());
        Assert.StartsWith("error: the server does not know the token in $KEELSON_TOKEN", gone.StandardError, StringComparison.Ordinal);

        var builtIn = await keelson.RunAsync("token", "revoke", "admin");
        Assert.True(builtIn.ExitCode == 1, builtIn.ToString());
        Assert.Contains("the built-in admin token cannot be revoked", builtIn.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_role_is_bad_usage()
    {
        await using var keelson = new KeelsonProcess(log);

        var result = await keelson.RunAsync("token", "create", "x", "--role", "root");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("'root'", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("viewer", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_file_others_may_read_stops_the_server_with_the_chmod_that_fixes_it()
    {
        await using var keelson = new KeelsonProcess(log);
        var file = keelson.PathOf("admin-token");
        await File.WriteAllTextAsync(file, "0e8c4b2f9a1d7e3c5b6a8f0d2e4c6a8b1d3f5e7a9c0b2d4f6e8a1c3b5d7f9e0a\n");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var result = await keelson.RunAsync("server", "--data", keelson.PathOf("data"), "--listen", "http://127.0.0.1:0", "--admin-token-file", file);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains($"may be read by other users (mode 0644); make it the server user's alone: chmod 600 {file}", result.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("x", "error: $KEELSON_ADMIN_TOKEN is 1 characters long; an admin token needs at least 32 random characters; make one with: openssl rand -hex 32")]
    [InlineData(" ", "error: $KEELSON_ADMIN_TOKEN is set but blank; unset it to have a token generated into DATA/admin-token, or set it to a strong token: openssl rand -hex 32")]
    public async Task A_weak_or_blank_admin_token_variable_stops_the_server_naming_the_variable(string value, string error)
    {
        await using var keelson = new KeelsonProcess(log);

        var result = await keelson.RunAsync(
            ["server", "--data", keelson.PathOf("data"), "--listen", "http://127.0.0.1:0"],
            new Dictionary<string, string?> { ["KEELSON_ADMIN_TOKEN"] = value });

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith(error, result.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(keelson.PathOf("data/admin-token")));
    }
}
