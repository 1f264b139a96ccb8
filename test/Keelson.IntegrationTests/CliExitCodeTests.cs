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
    public async Task Wrong_or_missing_token_exits_1_with_a_message_about_the_token()
    {
        await using var keelson = new KeelsonProcess(log);
        await keelson.StartServerAsync();

        foreach (var token in new[] { "not-the-token", null })
        {
            var result = await keelson.RunAsync(["channel", "list"], new Dictionary<string, string?> { ["KEELSON_TOKEN"] = token });

            Assert.True(result.ExitCode == 1, result.ToString());
            Assert.Contains("token", result.StandardError, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("401", result.StandardError, StringComparison.Ordinal);
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
        Assert.Contains("force", refused.StandardError, StringComparison.Ordinal);
        var unchanged = Json.Parse((await keelson.SucceedAsync("channel", "list", "--json")).StandardOutput);
        Assert.Equal("2606.1.0", Json.Find(unchanged, "name", "beta").GetProperty("version").GetString());

        await keelson.SucceedAsync("channel", "promote", "stable", "beta", "--force");

        var forced = Json.Parse((await keelson.SucceedAsync("channel", "list", "--json")).StandardOutput);
        var beta = Json.Find(forced, "name", "beta");
        Assert.Equal("2605.10.0", beta.GetProperty("version").GetString());
        Assert.Equal(Json.Find(forced, "name", "stable").GetProperty("packageId").GetString(), beta.GetProperty("packageId").GetString());
    }
}
