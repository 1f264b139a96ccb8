using System.Collections.Concurrent;

namespace Keelson.BootTests.Harness;

/// <summary>
/// The release images the boot tests start, built by images/build-test-image once per test run and shared: the agent
/// releases carry keelson-agent (NativeAOT) and <see cref="ReleaseConfig"/>; the disks are made per test, for the
/// test's own server and key, and each test boots its own (<see cref="BootDisk"/>).
/// </summary>
public static class BootImages
{
    public const string OldVersion = "1.0.0";
    public const string NewVersion = "1.1.0";

    private static readonly string s_directory = CreateDirectory();
    private static readonly ConcurrentDictionary<string, Lazy<Task<string>>> s_agentSlots = new();

    /// <summary>
    /// The release's own update.conf in the agent releases: its health check fails when the release carries the
    /// fail-health marker; the agent reboots with busybox (the firmware reset).
    /// </summary>
    public const string ReleaseConfig =
        "KEELSON_HEALTH_CHECKS=test ! -e /usr/share/keelson-test/fail-health\nKEELSON_REBOOT_COMMAND=reboot -f\n";

    /// <summary>The slot image of release <paramref name="version"/> with keelson-agent (built by tools/build-agent if needed).</summary>
    public static Task<string> AgentSlotAsync(string version) =>
        s_agentSlots.GetOrAdd(version, _ => new Lazy<Task<string>>(() => BuildAgentSlotAsync(version, marker: null))).Value;

    /// <summary>
    /// The agent slot image of release <paramref name="version"/> made to fail: <paramref name="marker"/> is a
    /// <c>build-test-image slot --marker</c> (panic: its init exits and the kernel resets; fail-health: its health check fails).
    /// </summary>
    public static Task<string> FailingAgentSlotAsync(string version, string marker) =>
        s_agentSlots.GetOrAdd($"{version}+{marker}", _ => new Lazy<Task<string>>(() => BuildAgentSlotAsync(version, marker))).Value;

    /// <summary>
    /// A disk in <paramref name="directory"/> for <paramref name="backend"/> with <paramref name="slotA"/> on USR-A and
    /// the machine's settings on its state partition: <paramref name="updateConfig"/> (/etc/coreos/update.conf),
    /// <paramref name="trustedKey"/> and the agent's command line options.
    /// </summary>
    public static async Task<BuiltImage> MachineDiskAsync(
        string backend, string slotA, string directory, string updateConfig, string trustedKey, string agentArguments)
    {
        Directory.CreateDirectory(directory);
        var config = Path.Combine(directory, "update.conf");
        await File.WriteAllTextAsync(config, updateConfig);
        await Tools.RunAsync(Tools.ImageBuilder, "disk", "--backend", backend, "--slot-a", slotA, "--out", directory,
            "--keelson", Tools.KeelsonCommand, "--update-conf", config, "--trusted-key", trustedKey, "--agent-args", agentArguments);
        return BuiltImage.Read(directory);
    }

    private static async Task<string> BuildAgentSlotAsync(string version, string? marker)
    {
        var name = marker is null ? version : $"{version}-{marker}";
        var config = Path.Combine(s_directory, $"release-update-{name}.conf");
        await File.WriteAllTextAsync(config, ReleaseConfig);
        var image = Path.Combine(s_directory, $"usr-{name}-agent.ext4");
        string[] markers = marker is null ? [] : ["--marker", marker];
        await Tools.RunAsync(Tools.ImageBuilder, ["slot", "--version", version, "--agent", "--update-conf", config, .. markers, "--out", image]);
        return image;
    }

    private static string CreateDirectory()
    {
        var directory = Directory.CreateTempSubdirectory("keelson-boot-images-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(directory, recursive: true);
        return directory;
    }
}
