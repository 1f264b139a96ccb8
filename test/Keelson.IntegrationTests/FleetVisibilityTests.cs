using Keelson.IntegrationTests.Harness;
using Xunit.Abstractions;

namespace Keelson.IntegrationTests;

/// <summary>What the admin sees of the fleet and of past changes after machines check in.</summary>
public sealed class FleetVisibilityTests(ITestOutputHelper log)
{
    private const string MachineId = "abce671d61774703ac7be60715220bfe";

    [Fact]
    public async Task Machine_that_checked_in_is_listed_with_its_status_and_version_and_activity_shows_the_release()
    {
        await using var keelson = new KeelsonProcess(log);
        var server = await keelson.StartServerAsync();
        var payload = TestPayload.Create(keelson.PathOf("update.gz"), 64 * 1024);
        await keelson.SucceedAsync("package", "publish", "--version", "2605.10.0", "--file", payload.Path);
        await keelson.SucceedAsync("channel", "set", "stable", "--version", "2605.10.0");
        var check = await OmahaCheck.PostAsync(server.Http, OmahaCheck.Sample("request-updatecheck.xml"));
        Assert.True(check.Status == "ok", check.Xml);

        var instances = Json.Parse((await keelson.SucceedAsync("instance", "list", "--json")).StandardOutput);
        Assert.Equal(1, instances.GetProperty("total").GetInt64());
        var machine = Json.Find(instances.GetProperty("items"), "machineId", MachineId);
        Assert.Equal("UpdateGranted", machine.GetProperty("status").GetString());
        Assert.Equal("2512.2.0", machine.GetProperty("version").GetString());
        Assert.Equal("2605.10.0", machine.GetProperty("updateVersion").GetString());
        Assert.Equal("stable", machine.GetProperty("group").GetString());

        var table = await keelson.SucceedAsync("instance", "list");
        var row = Assert.Single(table.StandardOutput.Split('\n'), line => line.StartsWith(MachineId, StringComparison.Ordinal));
        Assert.Contains("UpdateGranted", row, StringComparison.Ordinal);
        Assert.Contains("2512.2.0", row, StringComparison.Ordinal);

        var activity = Json.Parse((await keelson.SucceedAsync("activity", "list", "--json")).StandardOutput).GetProperty("items");
        var published = Json.Find(activity, "kind", "PackagePublished");
        Assert.Equal("2605.10.0", published.GetProperty("version").GetString());
        var channelSet = Json.Find(activity, "kind", "ChannelPackageUpdated");
        Assert.Equal("stable", channelSet.GetProperty("channel").GetString());
        Assert.Equal("2605.10.0", channelSet.GetProperty("version").GetString());

        var activityTable = (await keelson.SucceedAsync("activity", "list")).StandardOutput;
        Assert.Contains(activityTable.Split('\n'), line => line.Contains("PackagePublished", StringComparison.Ordinal) && line.Contains("2605.10.0", StringComparison.Ordinal));
        Assert.Contains(activityTable.Split('\n'), line => line.Contains("ChannelPackageUpdated", StringComparison.Ordinal) && line.Contains("stable", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Every_list_and_show_command_prints_parseable_json_with_json_flag()
    {
        await using var keelson = new KeelsonProcess(log);
        var server = await keelson.StartServerAsync();
        var payload = TestPayload.Create(keelson.PathOf("update.gz"), 64 * 1024);
        await keelson.SucceedAsync("package", "publish", "--version", "2605.10.0", "--file", payload.Path);
        await OmahaCheck.PostAsync(server.Http, OmahaCheck.Sample("request-updatecheck.xml"));

        string[][] commands =
        [
            ["package", "list"], ["channel", "list"], ["group", "list"], ["group", "show", "stable"],
            ["instance", "list"], ["instance", "show", MachineId], ["activity", "list"],
        ];
        foreach (var command in commands)
        {
            var result = await keelson.SucceedAsync([.. command, "--json"]);
            Json.Parse(result.StandardOutput);
        }
    }
}
