using Keelson.IntegrationTests.Harness;
using Xunit.Abstractions;

namespace Keelson.IntegrationTests;

/// <summary><c>keelson package | channel | group delete</c>: refusals that say what to do first, and what a delete removes.</summary>
public sealed class DeleteCommandTests(ITestOutputHelper log)
{
    private const string MachineId = "abce671d61774703ac7be60715220bfe";

    [Fact]
    public async Task Deletes_are_refused_in_use_then_done_in_order_and_recorded()
    {
        await using var keelson = new KeelsonProcess(log);
        var server = await keelson.StartServerAsync();
        await keelson.SucceedAsync("package", "publish", "--version", "1.0.0", "--file", TestPayload.Create(keelson.PathOf("1.gz"), 3000).Path);
        await keelson.SucceedAsync("package", "publish", "--version", "2.0.0", "--file", TestPayload.Create(keelson.PathOf("2.gz"), 3000).Path);
        await keelson.SucceedAsync("channel", "create", "edge");
        await keelson.SucceedAsync("channel", "set", "edge", "--version", "2.0.0");
        await keelson.SucceedAsync("group", "create", "canary", "--channel", "edge");
        var packages = Json.Parse((await keelson.SucceedAsync("package", "list", "--json")).StandardOutput);
        var oldId = Json.Find(packages, "version", "1.0.0").GetProperty("id").GetString()!;

        var packageInUse = await keelson.RunAsync("package", "delete", "2.0.0");
        var channelInUse = await keelson.RunAsync("channel", "delete", "edge");
        Assert.Equal(1, packageInUse.ExitCode);
        Assert.Contains("package 2.0.0 is what 1 channel edge points at; point it at another version first", packageInUse.StandardError, StringComparison.Ordinal);
        Assert.Equal(1, channelInUse.ExitCode);
        Assert.Contains("channel edge is followed by 1 group canary; change or delete group canary first", channelInUse.StandardError, StringComparison.Ordinal);

        Assert.Equal("group canary deleted\n", (await keelson.SucceedAsync("group", "delete", "canary")).StandardOutput);
        Assert.Equal("channel edge deleted; package 2.0.0 stays published\n", (await keelson.SucceedAsync("channel", "delete", "edge")).StandardOutput);
        Assert.Equal("package 1.0.0 deleted; its payload file (3000 bytes) removed\n", (await keelson.SucceedAsync("package", "delete", "1.0.0")).StandardOutput);
        Assert.False(File.Exists(Path.Combine(server.DataDirectory, "payloads", oldId)));

        var again = await keelson.RunAsync("package", "delete", "1.0.0");
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("no package with version 1.0.0; 'keelson package list' shows the published ones (404 Not Found)", again.StandardError, StringComparison.Ordinal);

        var activity = Json.Parse((await keelson.SucceedAsync("activity", "list", "--json")).StandardOutput).GetProperty("items");
        Assert.Equal("1.0.0", Json.Find(activity, "kind", "PackageDeleted").GetProperty("version").GetString());
        Assert.Equal("edge", Json.Find(activity, "kind", "ChannelDeleted").GetProperty("channel").GetString());
        Assert.Equal("canary", Json.Find(activity, "kind", "GroupDeleted").GetProperty("group").GetString());
    }

    [Fact]
    public async Task A_group_with_machines_is_deleted_only_with_force()
    {
        await using var keelson = new KeelsonProcess(log);
        var server = await keelson.StartServerAsync();
        await keelson.SucceedAsync("group", "create", "canary", "--channel", "stable");
        await OmahaCheck.PostAsync(server.Http, OmahaCheck.Request("request-updatecheck.xml", track: "canary"));

        var refused = await keelson.RunAsync("group", "delete", "canary");
        var forced = Json.Parse((await keelson.SucceedAsync("group", "delete", "canary", "--force", "--json")).StandardOutput);

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("group canary has 1 machine; move it to another group (GROUP in their update.conf), or delete with --force",
            refused.StandardError, StringComparison.Ordinal);
        Assert.Equal(("group", "canary", 1), (forced.GetProperty("kind").GetString(), forced.GetProperty("name").GetString(), forced.GetProperty("machines").GetInt64()));
        var machine = Json.Parse((await keelson.SucceedAsync("instance", "show", MachineId, "--json")).StandardOutput).GetProperty("instance");
        Assert.Equal(System.Text.Json.JsonValueKind.Null, machine.GetProperty("group").ValueKind);
    }
}
