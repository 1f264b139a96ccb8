using System.Text;
using Keelson.IntegrationTests.Harness;
using Xunit.Abstractions;

namespace Keelson.IntegrationTests;

/// <summary>What the server's log tells an operator: grants, failures and reboot slots, not every request.</summary>
public sealed class ServerLogTests(ITestOutputHelper log)
{
    private const string MachineId = "abce671d61774703ac7be60715220bfe";
    private static readonly TimeSpan s_logTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_grant_and_a_failure_are_logged_with_machine_group_versions_and_error_name_and_routine_requests_are_not()
    {
        await using var keelson = new KeelsonProcess(log);
        var server = await keelson.StartServerAsync();
        await keelson.SucceedAsync("package", "publish", "--version", "2605.10.0", "--file", TestPayload.Create(keelson.PathOf("u.gz"), 4096).Path);
        await keelson.SucceedAsync("channel", "set", "stable", "--version", "2605.10.0");

        await OmahaCheck.PostAsync(server.Http, OmahaCheck.Request("request-updatecheck.xml"));
        await OmahaCheck.SendAsync(server.Http, OmahaCheck.Request("request-event-error.xml"));

        var process = server.Process;
        await process.WaitForLineAsync(l => l.Contains($"Granted machine {MachineId} in group stable the update 2512.2.0 -> 2605.10.0", StringComparison.Ordinal), s_logTimeout);
        await process.WaitForLineAsync(l => l.Contains(
            $"Machine {MachineId} in group stable failed the update 2512.2.0 -> 2605.10.0: payload hash mismatch (10) [test Omaha URL]", StringComparison.Ordinal), s_logTimeout);
        await process.WaitForLineAsync(l => l.Contains("Channel stable now offers 2605.10.0: set to 2605.10.0", StringComparison.Ordinal), s_logTimeout);

        // A slot asked for twice is taken once; the log is written in order, so once the release shows, the repeat would have.
        await PreRebootAsync(server, "/v1/pre-reboot");
        await PreRebootAsync(server, "/v1/pre-reboot");
        await PreRebootAsync(server, "/v1/steady-state");
        await process.WaitForLineAsync(l => l.Contains("FleetLock: 'm1' released its reboot slot of group 'default'", StringComparison.Ordinal), s_logTimeout);

        var output = process.StandardOutput;
        Assert.Single(output.Split('\n'), l => l.Contains("'m1' took a reboot slot of group 'default'", StringComparison.Ordinal));
        Assert.DoesNotContain("still holds", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Request starting", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Microsoft.AspNetCore", output, StringComparison.Ordinal);
    }

    private static async Task PreRebootAsync(RunningServer server, string path)
    {
        using var body = new StringContent("""{"client_params":{"id":"m1","group":"default"}}""", Encoding.UTF8, "application/json");
        body.Headers.Add("fleet-lock-protocol", "true");
        using var response = await server.Http.PostAsync(path, body);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }
}
