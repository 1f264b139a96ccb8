using System.Text;
using Keelson.IntegrationTests.Harness;
using Xunit.Abstractions;

namespace Keelson.IntegrationTests;

/// <summary><c>keelson status</c> against a server whose fleet is mid-rollout: updating, held, failed, halted, a reboot slot taken.</summary>
public sealed class StatusCommandTests(ITestOutputHelper log)
{
    private const string Updating = "00000000000000000000000000000a01";
    private const string First = "00000000000000000000000000000b01";
    private const string Held = "00000000000000000000000000000b02";

    /// <summary>
    /// stable: one machine granted 2605.10.0. canary (safe mode): its first machine failed the update, which halted the
    /// group, and a second machine is held waiting for the first. Machine m1 holds the reboot slot of group default.
    /// </summary>
    private static async Task<KeelsonProcess> StartFleetAsync(ITestOutputHelper log)
    {
        var keelson = new KeelsonProcess(log);
        var server = await keelson.StartServerAsync();
        var payload = TestPayload.Create(keelson.PathOf("update.gz"), 64 * 1024);
        await keelson.SucceedAsync("package", "publish", "--version", "2605.10.0", "--file", payload.Path);
        await keelson.SucceedAsync("channel", "set", "stable", "--version", "2605.10.0");
        await keelson.SucceedAsync("group", "create", "canary", "--channel", "stable", "--safe-mode", "true");

        Assert.Equal("ok", (await OmahaCheck.PostAsync(server.Http, OmahaCheck.Request("request-updatecheck.xml", machineId: Updating))).Status);
        Assert.Equal("ok", (await OmahaCheck.PostAsync(server.Http, OmahaCheck.Request("request-updatecheck.xml", track: "canary", machineId: First))).Status);
        Assert.Equal("noupdate", (await OmahaCheck.PostAsync(server.Http, OmahaCheck.Request("request-updatecheck.xml", track: "canary", machineId: Held))).Status);
        await OmahaCheck.SendAsync(server.Http, OmahaCheck.Request("request-event-error.xml", track: "canary", machineId: First));

        using var slot = new StringContent("""{"client_params":{"id":"m1","group":"default"}}""", Encoding.UTF8, "application/json");
        slot.Headers.Add("fleet-lock-protocol", "true");
        Assert.True((await server.Http.PostAsync("/v1/pre-reboot", slot)).IsSuccessStatusCode);
        return keelson;
    }

    [Fact]
    public async Task Json_gives_each_groups_exact_rollout_counts_and_reasons_and_the_reboot_slot_holders()
    {
        await using var keelson = await StartFleetAsync(log);

        var status = Json.Parse((await keelson.SucceedAsync("status", "--json")).StandardOutput);

        Assert.Equal("e96281a6-d1af-4bde-9a0a-97b76e56dc57", status.GetProperty("app").GetString());
        var groups = status.GetProperty("groups");
        Assert.Equal(["alpha", "beta", "canary", "stable"], groups.EnumerateArray().Select(g => g.GetProperty("group").GetProperty("name").GetString()));
        var stable = groups.EnumerateArray().Single(g => g.GetProperty("group").GetProperty("name").GetString() == "stable").GetProperty("progress");
        Assert.Equal(("2605.10.0", 1, 1, 0), (stable.GetProperty("target").GetString(), stable.GetProperty("total").GetInt64(),
            stable.GetProperty("updating").GetInt64(), stable.GetProperty("onTarget").GetInt64()));
        var canary = groups.EnumerateArray().Single(g => g.GetProperty("group").GetProperty("name").GetString() == "canary");
        Assert.False(canary.GetProperty("group").GetProperty("updatesEnabled").GetBoolean());
        Assert.StartsWith("safe mode halted the rollout of 2605.10.0", canary.GetProperty("group").GetProperty("pausedReason").GetString(), StringComparison.Ordinal);
        var progress = canary.GetProperty("progress");
        Assert.Equal((2, 1, 1), (progress.GetProperty("total").GetInt64(), progress.GetProperty("onHold").GetInt64(), progress.GetProperty("failed").GetInt64()));
        var reason = Assert.Single(progress.GetProperty("holdReasons").EnumerateArray());
        Assert.Equal(("safe mode", 1), (reason.GetProperty("name").GetString(), reason.GetProperty("machines").GetInt64()));
        var error = Assert.Single(progress.GetProperty("failedByError").EnumerateArray());
        Assert.Equal("payload hash mismatch (10) [test Omaha URL]", error.GetProperty("name").GetString());
        var slot = Json.Find(status.GetProperty("rebootLocks"), "group", "default");
        Assert.Equal("m1", Assert.Single(slot.GetProperty("holders").EnumerateArray()).GetProperty("id").GetString());
    }

    [Fact]
    public async Task The_human_output_shows_progress_per_group_the_held_and_failed_with_reasons_the_halt_and_the_slot_holder()
    {
        await using var keelson = await StartFleetAsync(log);

        var lines = (await keelson.SucceedAsync("status")).StandardOutput.Split('\n');

        Assert.Equal(["GROUP", "CHANNEL", "VERSION", "UPDATES", "ON", "TARGET", "UPDATING", "HELD", "FAILED", "NOT", "OFFERED"],
            lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["canary", "stable", "2605.10.0", "paused", "0/2", "0", "1", "1", "0"], Row(lines, "canary "));
        Assert.Equal(["stable", "stable", "2605.10.0", "enabled", "0/1", "1", "0", "0", "0"], Row(lines, "stable "));
        Assert.Contains("group:    canary: 0 of 2 machines on 2605.10.0 (0%)", lines);
        Assert.Contains(lines, l => l.StartsWith("paused:   safe mode halted the rollout of 2605.10.0: machine " + First, StringComparison.Ordinal));
        Assert.Contains("held:     safe mode x1", lines);
        Assert.Contains("failed:   payload hash mismatch (10) [test Omaha URL] x1", lines);
        Assert.Contains("statuses: Error x1, OnHold x1", lines);
        Assert.Contains("statuses: UpdateGranted x1", lines);
        Assert.Contains("updating: UpdateGranted x1", lines);
        Assert.Equal(["default", "1/1", "m1"], Row(lines, "default ")[..3]);
    }

    [Fact]
    public async Task Group_narrows_to_one_group_and_an_unknown_group_fails_naming_it()
    {
        await using var keelson = await StartFleetAsync(log);

        var canary = Json.Parse((await keelson.SucceedAsync("status", "--group", "canary", "--json")).StandardOutput);
        var unknown = await keelson.RunAsync("status", "--group", "nope");

        Assert.Equal("canary", Assert.Single(canary.GetProperty("groups").EnumerateArray()).GetProperty("group").GetProperty("name").GetString());
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("no group named nope", unknown.StandardError, StringComparison.Ordinal);
    }

    private static string[] Row(string[] lines, string start) =>
        Assert.Single(lines, l => l.StartsWith(start, StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
