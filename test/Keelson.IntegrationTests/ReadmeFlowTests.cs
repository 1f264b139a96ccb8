using Keelson.IntegrationTests.Harness;
using Xunit.Abstractions;

namespace Keelson.IntegrationTests;

/// <summary>The README's first steps, run as a user runs them: real processes, real HTTP.</summary>
public sealed class ReadmeFlowTests(ITestOutputHelper log)
{
    [Fact]
    public async Task Published_stable_version_is_offered_with_its_size_and_hashes_and_downloads_bit_for_bit()
    {
        await using var keelson = new KeelsonProcess(log);
        var server = await keelson.StartServerAsync();
        var payload = TestPayload.Create(keelson.PathOf("flatcar_production_update.gz"), 3 * 1024 * 1024 + 17);

        await keelson.SucceedAsync("package", "publish", "--version", "2605.10.0", "--file", payload.Path);
        await keelson.SucceedAsync("channel", "set", "stable", "--version", "2605.10.0");

        // The sample machine runs 2512.2.0 and follows stable.
        var check = await OmahaCheck.PostAsync(server.Http, OmahaCheck.Sample("request-updatecheck.xml"));
        Assert.True(check.Status == "ok", check.Xml);
        Assert.Equal("2605.10.0", check.Version);
        Assert.Equal(payload.Bytes.Length, check.Size);
        Assert.Equal(payload.Sha1, check.Sha1);
        Assert.Equal(payload.Sha256, check.Sha256);
        Assert.Equal("flatcar_production_update.gz", check.Name);
        Assert.StartsWith(server.Url.ToString(), check.Codebase, StringComparison.Ordinal);
        Assert.Equal(payload.Bytes, await server.Http.GetByteArrayAsync(check.PayloadUrl));

        var current = await OmahaCheck.PostAsync(server.Http, OmahaCheck.Request("request-updatecheck.xml", version: "2605.10.0"));
        Assert.True(current.Status == "noupdate", current.Xml);
        Assert.Null(current.Codebase);
    }
}
