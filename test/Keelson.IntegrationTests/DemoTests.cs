using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Keelson.IntegrationTests.Harness;
using Xunit.Abstractions;

namespace Keelson.IntegrationTests;

/// <summary>
/// <c>keelson demo</c> as a user runs it: the real executable, its story on stdout (plain lines, as stdout is no
/// terminal here), and afterwards the update service over the data it left, read through the admin API.
/// </summary>
public sealed partial class DemoTests(ITestOutputHelper log)
{
    /// <summary>The demo runs several times faster than its default pace: the story is the same, its waits are shorter.</summary>
    private const string Speed = "2";

    private static readonly TimeSpan s_demoTimeout = TimeSpan.FromMinutes(4);

    [Fact]
    [Trait("Speed", "Slow")]
    public async Task The_demo_tells_the_story_and_leaves_the_server_with_its_end_state()
    {
        await using var keelson = new KeelsonProcess(log);
        var data = keelson.PathOf("demo");

        var run = await keelson.RunAsync(
            ["demo", "--machines", "6", "--speed", Speed, "--exit-when-done", "--data", data, "--listen", "http://127.0.0.1:0"], null, s_demoTimeout);

        Assert.True(run.ExitCode == 0, run.ToString());
        var story = run.StandardOutput;
        foreach (var line in new[]
        {
            "dashboard:   http://127.0.0.1:",
            "export KEELSON_SERVER=http://127.0.0.1:",
            "✓ 6 machines run 1.0.0",
            "✓ alpha runs 1.1.0: 2 machines rebooted in turns",
            "→ 1.1.0 is promoted from alpha to beta, bit for bit",
            "✓ beta runs 1.1.0: 2 machines rebooted in turns",
            "✓ stable runs 1.1.0: 2 machines rebooted in turns",
            "→ A bad 1.2.0 goes to alpha, in safe mode",
            "booted 1.2.0 and failed its health check; the server halted alpha",
            "fell back to 1.1.0 by itself, reports error 44 (rolled back) and keeps its alpha reboot slot",
            "✓ No other alpha machine got 1.2.0: safe mode held back the other 1, which stay on 1.1.0",
            "keelson group resume alpha",
            "✓ The story reached its end in",
        })
        {
            Assert.Contains(line, story, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("\u001b[", story, StringComparison.Ordinal);
        // The display writes a heartbeat after 1.2 s without a line; on a loaded 2-core CI machine (QEMU boots beside)
        // timers slip by a second or more, so only a stall - no line for 10 s - fails here.
        AssertNoSilenceOver(TimeSpan.FromSeconds(10), story);

        // The operator's view afterwards: the same data, served by keelson server.
        await keelson.StartServerAsync("demo");
        var channels = await JsonAsync(keelson, "channel", "list");
        var alpha = Json.Find(channels, "name", "alpha");
        var beta = Json.Find(channels, "name", "beta");
        var stable = Json.Find(channels, "name", "stable");
        Assert.Equal("1.2.0", alpha.GetProperty("version").GetString());
        Assert.Equal("1.1.0", beta.GetProperty("version").GetString());
        Assert.Equal("1.1.0", stable.GetProperty("version").GetString());
        var good = Json.Find(await JsonAsync(keelson, "package", "list"), "version", "1.1.0").GetProperty("id").GetString();
        Assert.Equal(good, beta.GetProperty("packageId").GetString());
        Assert.Equal(good, stable.GetProperty("packageId").GetString());

        var alphaGroup = Json.Find(await JsonAsync(keelson, "group", "list"), "name", "alpha");
        Assert.False(alphaGroup.GetProperty("updatesEnabled").GetBoolean());
        Assert.Contains("safe mode halted the rollout of 1.2.0", alphaGroup.GetProperty("pausedReason").GetString(), StringComparison.Ordinal);

        var instances = (await JsonAsync(keelson, "instance", "list", "--per-page", "500")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(6, instances.Count);
        foreach (var group in new[] { "beta", "stable" })
        {
            var members = instances.Where(i => i.GetProperty("group").GetString() == group).ToList();
            Assert.Equal(2, members.Count);
            Assert.All(members, i => Assert.Equal(("1.1.0", "Complete"), (i.GetProperty("version").GetString(), i.GetProperty("status").GetString())));
        }

        var alphas = instances.Where(i => i.GetProperty("group").GetString() == "alpha").ToList();
        Assert.Equal(2, alphas.Count);
        Assert.All(alphas, i => Assert.Equal("1.1.0", i.GetProperty("version").GetString()));
        var rolledBack = Assert.Single(alphas, i => i.GetProperty("lastErrorCode") is { ValueKind: JsonValueKind.Number } code && code.GetInt64() == 44);
        var failedId = rolledBack.GetProperty("machineId").GetString()!;
        // Safe mode: the machine that went first is the only one that was ever offered 1.2.0.
        Assert.All(alphas.Where(i => i.GetProperty("machineId").GetString() != failedId),
            i => Assert.NotEqual("1.2.0", i.GetProperty("updateVersion").GetString()));
        Assert.Contains($"keelson reboot-lock release alpha {failedId}", story, StringComparison.Ordinal);
        Assert.Contains($"keelson instance show {failedId}", story, StringComparison.Ordinal);

        using var request = keelson.Server!.AdminRequest(HttpMethod.Get, "/api/reboot-locks");
        using var response = await keelson.Server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var locks = Json.Parse(await response.Content.ReadAsStringAsync());
        var alphaLock = Json.Find(locks.GetProperty("items"), "group", "alpha");
        Assert.Equal(2, alphaLock.GetProperty("slots").GetInt32());
        Assert.Equal([failedId], alphaLock.GetProperty("holders").EnumerateArray().Select(h => h.GetProperty("id").GetString()));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Without_data_the_demo_leaves_no_temporary_folder_behind_whether_it_finishes_or_is_interrupted(bool interrupted)
    {
        await using var keelson = new KeelsonProcess(log);
        var temp = Directory.CreateDirectory(keelson.PathOf("tmp")).FullName;
        var environment = new Dictionary<string, string?> { ["TMPDIR"] = temp };
        var process = keelson.Start(
            ["demo", "--machines", "3", "--speed", interrupted ? Speed : "4", "--listen", "http://127.0.0.1:0", .. interrupted ? Array.Empty<string>() : ["--exit-when-done"]],
            environment);

        if (interrupted)
        {
            // Mid-story: the machines run, and the folder holds the server's data, the releases and the disks.
            await process.WaitForLineAsync(line => line.Contains("→ 1.1.0 reaches alpha", StringComparison.Ordinal), s_demoTimeout);
            Assert.Single(Directory.GetDirectories(temp, "keelson-demo-*"));
            // SIGTERM, as a service manager stops it; Ctrl-C (SIGINT) takes the same path, but a test run started in
            // the background may have SIGINT ignored, and its children inherit that.
            Assert.True(kill(process.Id, SIGTERM) == 0, $"kill({process.Id}, SIGTERM) failed");
        }

        Assert.True(await process.WaitForExitAsync(s_demoTimeout), process.Describe());
        var result = process.Result();
        if (interrupted)
        {
            Assert.True(result.ExitCode == 143, result.ToString());
            Assert.Equal("error: stopped by SIGTERM before it finished\n", result.StandardError);
        }
        else
        {
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Contains("✓ The story reached its end in", result.StandardOutput, StringComparison.Ordinal);
        }

        Assert.Empty(Directory.EnumerateFileSystemEntries(temp));
    }

    [Fact]
    public async Task A_listen_port_in_use_is_one_clear_line_and_exit_1()
    {
        await using var keelson = new KeelsonProcess(log);
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        taken.Listen();
        var port = ((IPEndPoint)taken.LocalEndPoint!).Port;
        var temp = Directory.CreateDirectory(keelson.PathOf("tmp")).FullName;

        var run = await keelson.RunAsync(
            ["demo", "--listen", $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}", "--exit-when-done"],
            new Dictionary<string, string?> { ["TMPDIR"] = temp });

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal("", run.StandardOutput);
        var error = Assert.Single(run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"error: cannot listen on http://127.0.0.1:{port}/: the port is already in use", error, StringComparison.Ordinal);
        Assert.Contains("--listen http://127.0.0.1:0", error, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(temp));
    }

    private static async Task<JsonElement> JsonAsync(KeelsonProcess keelson, params string[] arguments) =>
        Json.Parse((await keelson.SucceedAsync([.. arguments, "--json"])).StandardOutput);

    /// <summary>Every plain line starts with the seconds since the demo started: no two may be further apart than <paramref name="most"/>.</summary>
    private static void AssertNoSilenceOver(TimeSpan most, string story)
    {
        var times = story.Split('\n')
            .Select(line => Stamp().Match(line))
            .Where(match => match.Success)
            .Select(match => double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture))
            .ToList();
        Assert.True(times.Count > 20, $"too few stamped lines:\n{story}");
        var gaps = times.Zip(times.Skip(1), (a, b) => (At: a, Gap: b - a)).ToList();
        var longest = gaps.MaxBy(g => g.Gap);
        Assert.True(longest.Gap <= most.TotalSeconds, $"{longest.Gap:0.0} s without a line after {longest.At:0.0} s:\n{story}");
    }

    [GeneratedRegex(@"^\[\s*(\d+\.\d)s\] ")]
    private static partial Regex Stamp();

    private const int SIGTERM = 15;

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
