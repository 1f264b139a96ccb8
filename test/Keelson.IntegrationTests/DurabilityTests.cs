using Keelson.IntegrationTests.Harness;
using Xunit.Abstractions;

namespace Keelson.IntegrationTests;

/// <summary>What the server acknowledged survives it being killed without warning.</summary>
public sealed class DurabilityTests(ITestOutputHelper log)
{
    [Fact]
    public async Task Channels_and_payloads_survive_kill_9_and_promotion_shares_the_very_package()
    {
        await using var keelson = new KeelsonProcess(log);
        var first = await keelson.StartServerAsync();
        var payload = TestPayload.Create(keelson.PathOf("flatcar_production_update.gz"), 3 * 1024 * 1024);
        await keelson.SucceedAsync("package", "publish", "--version", "2605.10.0", "--file", payload.Path);
        await keelson.SucceedAsync("channel", "set", "stable", "--version", "2605.10.0");
        await keelson.SucceedAsync("channel", "promote", "stable", "beta");
        var before = Json.Parse((await keelson.SucceedAsync("channel", "list", "--json")).StandardOutput);

        first.Kill();
        Assert.True(first.Process.HasExited);
        var second = await keelson.StartServerAsync();
        Assert.Equal(first.Token, second.Token);

        var channels = Json.Parse((await keelson.SucceedAsync("channel", "list", "--json")).StandardOutput);
        var stable = Json.Find(channels, "name", "stable");
        var beta = Json.Find(channels, "name", "beta");
        Assert.Equal("2605.10.0", stable.GetProperty("version").GetString());
        Assert.Equal("2605.10.0", beta.GetProperty("version").GetString());
        Assert.Equal(stable.GetProperty("packageId").GetString(), beta.GetProperty("packageId").GetString());
        Assert.Equal(Json.Find(before, "name", "stable").GetProperty("packageId").GetString(), stable.GetProperty("packageId").GetString());

        var packages = Json.Parse((await keelson.SucceedAsync("package", "list", "--json")).StandardOutput);
        var package = Assert.Single(packages.EnumerateArray());
        Assert.Equal(payload.Sha256, package.GetProperty("sha256").GetString());
        Assert.Equal(payload.Bytes, await second.Http.GetByteArrayAsync(package.GetProperty("url").GetString()));

        // A machine on beta is offered the promoted package, and gets the same bytes from the restarted server.
        var check = await OmahaCheck.PostAsync(second.Http, OmahaCheck.Request("request-updatecheck.xml", track: "beta"));
        Assert.True(check.Status == "ok", check.Xml);
        Assert.Equal(payload.Sha1, check.Sha1);
        Assert.Equal(payload.Sha256, check.Sha256);
        Assert.StartsWith(second.Url.ToString(), check.Codebase, StringComparison.Ordinal);
        Assert.Equal(payload.Bytes, await second.Http.GetByteArrayAsync(check.PayloadUrl));
    }
}
