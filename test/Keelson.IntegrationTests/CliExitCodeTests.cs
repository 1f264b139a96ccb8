using System.Net;
using System.Net.Sockets;
using Keelson.IntegrationTests.Harness;
using Xunit.Abstractions;

namespace Keelson.IntegrationTests;

/// <summary>Exit 2 for bad usage, naming what was wrong; exit 1 with a clear message when the operation fails.</summary>
public sealed class CliExitCodeTests(ITestOutputHelper log)
{
    [Theory]
    [InlineData("--version", "channel", "set", "stable")]
    [InlineData("--listen", "server", "--listen", "notaurl")]
    [InlineData("frobnicate", "channel", "frobnicate")]
    [InlineData("frobnicate", "frobnicate")]
    [InlineData("--file", "package", "publish", "--version", "2605.10.0")]
    [InlineData("--server", "channel", "list", "--server", "notaurl")]
    public async Task Bad_usage_exits_2_naming_what_was_wrong_and_changes_nothing(string named, params string[] arguments)
    {
        await using var keelson = new KeelsonProcess(log);

        var result = await keelson.RunAsync(arguments);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(named, result.StandardError, StringComparison.Ordinal);
        Assert.Empty(result.StandardOutput);
        // Not even `keelson server` got as far as creating its default data folder.
        Assert.Empty(Directory.EnumerateFileSystemEntries(keelson.Directory));
    }

    [Theory]
    [InlineData("'chanel' is not a keelson command. Did you mean 'channel'?", "chanel", "list")]
    [InlineData("'lsit' is not a keelson channel command. Did you mean 'list'?", "channel", "lsit")]
    [InlineData("'--forse' is not an option of 'keelson channel set'. Did you mean '--force'?", "channel", "set", "stable", "--version", "2605.10.0", "--forse")]
    [InlineData("'--forse' is not an option of 'keelson channel set'. Did you mean '--force'?", "channel", "set", "--forse", "stable", "--version", "2605.10.0")]
    [InlineData("'lokc' is not a keelson lock command. Did you mean 'lock'?", "lock", "lokc")]
    [InlineData("--safe-mode 'maybe' is not true or false", "group", "update", "stable", "--safe-mode", "maybe")]
    [InlineData("--status 'Bogus' is not one of: Undefined, UpdateGranted, Downloading, Downloaded, Installed, Complete, Error, OnHold",
        "instance", "list", "--status", "Bogus")]
    [InlineData("--status 'onhold' is not one of: Undefined, UpdateGranted, Downloading, Downloaded, Installed, Complete, Error, OnHold. Did you mean 'OnHold'?",
        "instance", "list", "--status", "onhold")]
    [InlineData("--reboot-strategy 'sometimes' is not one of: best-effort, etcd-lock, reboot, off, fleetlock",
        "machine", "create", "m1", "--image", "usr.ext4", "--server", "http://updates.example.com", "--pubkey", "key.pub", "--reboot-strategy", "sometimes")]
    [InlineData("'keelson channel' needs a command: list, set, promote, create, delete", "channel")]
    public async Task A_word_the_command_line_does_not_know_is_one_usage_error_naming_what_it_may_have_meant(string error, params string[] arguments)
    {
        await using var keelson = new KeelsonProcess(log);

        var result = await keelson.RunAsync(arguments);

        Assert.True(result.ExitCode == 2, result.ToString());
        // One error, and where the usage is.
        var lines = result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Equal("error: " + error, lines[0]);
        Assert.Matches(@"^Run 'keelson( [a-z-]+)* --help' for usage\.$", lines[1]);
        Assert.Empty(result.StandardOutput);
        Assert.Empty(Directory.EnumerateFileSystemEntries(keelson.Directory));
    }

    [Fact]
    public async Task A_group_policy_the_server_refuses_is_reported_by_the_flag_that_set_it()
    {
        await using var keelson = new KeelsonProcess(log);
        await keelson.StartServerAsync();
        // The API's name of the field, where it differs from the flag's: the CLI user never sees it.
        var cases = new (string[] Flags, string Error, string? ApiField)[]
        {
            (["--time-zone", "Mars/Olympus"], "error: --time-zone 'Mars/Olympus' is not an IANA time zone such as Europe/Berlin", "timeZone"),
            (["--max-updates", "2000000"], "error: --max-updates must be 0 (no limit) to 1000000", "maxUpdatesPerPeriod"),
            (["--period", "30s"], "error: --period '30s' must be a duration", null),
            (["--update-timeout", "10s"], "error: --update-timeout '10s' must be a duration", "updateTimeout"),
            (["--ramp", "9000h"], "error: --ramp '9000h' must be a duration", null),
            (["--window", "Someday 25:00 1h"], "error: --window", "windows"),
            (["--channel", "nightly"], "error: --channel: no channel named nightly", null),
        };

        foreach (var (flags, error, apiField) in cases)
        {
            var result = await keelson.RunAsync(["group", "update", "stable", .. flags]);

            Assert.True(result.ExitCode == 1, result.ToString());
            Assert.StartsWith(error, result.StandardError, StringComparison.Ordinal);
            if (apiField is not null)
            {
                Assert.DoesNotContain(apiField, result.StandardError, StringComparison.Ordinal);
            }
        }

        var group = Json.Parse((await keelson.SucceedAsync("group", "show", "stable", "--json")).StandardOutput);
        Assert.Equal("UTC", group.GetProperty("timeZone").GetString());
        Assert.Equal(0, group.GetProperty("maxUpdatesPerPeriod").GetInt32());
    }

    [Theory]
    [InlineData("server", "--data", "data")]
    [InlineData("discovery", "serve", "--store", "sqlite:discovery.db")]
    [InlineData("fleetlock", "serve")]
    public async Task A_listen_address_in_use_is_one_line_naming_it_and_the_flag(params string[] arguments)
    {
        await using var etcd = arguments[0] == "fleetlock" ? await EtcdCluster.StartStaticAsync(1, log) : null;
        await using var keelson = new KeelsonProcess(log);
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var address = $"http://127.0.0.1:{((IPEndPoint)taken.LocalEndpoint).Port}";

        var result = await keelson.RunAsync([.. arguments, .. etcd is null ? Array.Empty<string>() : ["--etcd", etcd.Endpoints], "--listen", address]);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal($"error: cannot listen on {address}: the address is already in use (choose another --listen)\n", result.StandardError);
        Assert.Empty(result.StandardOutput);
    }

    [Fact]
    public async Task Unreachable_server_exits_1_saying_it_cannot_be_reached()
    {
        await using var keelson = new KeelsonProcess(log);

        var result = await keelson.RunAsync("channel", "list", "--server", "http://127.0.0.1:1");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("http://127.0.0.1:1", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("reach", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_or_missing_token_exits_1_naming_the_variable_and_where_the_token_is()
    {
        await using var keelson = new KeelsonProcess(log);
        await keelson.StartServerAsync();

        foreach (var (token, error) in new[]
        {
            ("not-the-token", "error: the server does not know the token in $KEELSON_TOKEN (mistyped, revoked, or of another server) (401 Unauthorized)"),
            (null, "error: no token: $KEELSON_TOKEN is not set (401 Unauthorized)"),
        })
        {
            var result = await keelson.RunAsync(["channel", "list"], new Dictionary<string, string?> { ["KEELSON_TOKEN"] = token });

            Assert.True(result.ExitCode == 1, result.ToString());
            Assert.StartsWith(error, result.StandardError, StringComparison.Ordinal);
            // Where the right token is: the server's data folder, or what it was given.
            Assert.Contains("DATA/admin-token", result.StandardError, StringComparison.Ordinal);
            Assert.Contains("--admin-token-file", result.StandardError, StringComparison.Ordinal);
            Assert.Empty(result.StandardOutput);
        }
    }

    [Fact]
    public async Task Setting_a_channel_to_an_unpublished_version_exits_1_and_leaves_the_channel_alone()
    {
        await using var keelson = new KeelsonProcess(log);
        await keelson.StartServerAsync();

        var result = await keelson.RunAsync("channel", "set", "stable", "--version", "9999.1.0");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("9999.1.0", result.StandardError, StringComparison.Ordinal);
        var channels = Json.Parse((await keelson.SucceedAsync("channel", "list", "--json")).StandardOutput);
        Assert.Null(Json.Find(channels, "name", "stable").GetProperty("version").GetString());
    }

    [Fact]
    public async Task Publishing_a_version_twice_exits_1_and_keeps_the_first_payload()
    {
        await using var keelson = new KeelsonProcess(log);
        await keelson.StartServerAsync();
        var original = TestPayload.Create(keelson.PathOf("one.gz"), 64 * 1024);
        var impostor = TestPayload.Create(keelson.PathOf("two.gz"), 64 * 1024);
        await keelson.SucceedAsync("package", "publish", "--version", "2605.10.0", "--file", original.Path);

        var again = await keelson.RunAsync("package", "publish", "--version", "2605.10.0", "--file", impostor.Path);

        Assert.True(again.ExitCode == 1, again.ToString());
        Assert.Contains("2605.10.0", again.StandardError, StringComparison.Ordinal);
        Assert.Contains("already published", again.StandardError, StringComparison.Ordinal);
        var packages = Json.Parse((await keelson.SucceedAsync("package", "list", "--json")).StandardOutput);
        var package = Assert.Single(packages.EnumerateArray());
        Assert.Equal(original.Sha256, package.GetProperty("sha256").GetString());
    }

    [Fact]
    public async Task Promoting_to_an_older_version_exits_1_unless_forced()
    {
        await using var keelson = new KeelsonProcess(log);
        await keelson.StartServerAsync();
        var older = TestPayload.Create(keelson.PathOf("older.gz"), 64 * 1024);
        var newer = TestPayload.Create(keelson.PathOf("newer.gz"), 64 * 1024);
        await keelson.SucceedAsync("package", "publish", "--version", "2605.10.0", "--file", older.Path);
        await keelson.SucceedAsync("package", "publish", "--version", "2606.1.0", "--file", newer.Path);
        await keelson.SucceedAsync("channel", "set", "stable", "--version", "2605.10.0");
        await keelson.SucceedAsync("channel", "set", "beta", "--version", "2606.1.0");

        var refused = await keelson.RunAsync("channel", "promote", "stable", "beta");

        Assert.True(refused.ExitCode == 1, refused.ToString());
        Assert.Contains("older", refused.StandardError, StringComparison.Ordinal);
        Assert.Contains("needs --force", refused.StandardError, StringComparison.Ordinal);
        var unchanged = Json.Parse((await keelson.SucceedAsync("channel", "list", "--json")).StandardOutput);
        Assert.Equal("2606.1.0", Json.Find(unchanged, "name", "beta").GetProperty("version").GetString());

        await keelson.SucceedAsync("channel", "promote", "stable", "beta", "--force");

        var forced = Json.Parse((await keelson.SucceedAsync("channel", "list", "--json")).StandardOutput);
        var beta = Json.Find(forced, "name", "beta");
        Assert.Equal("2605.10.0", beta.GetProperty("version").GetString());
        Assert.Equal(Json.Find(forced, "name", "stable").GetProperty("packageId").GetString(), beta.GetProperty("packageId").GetString());
    }
}
