using System.Collections.Concurrent;

namespace Keelson.BootTests.Harness;

/// <summary>
/// The images the boot tests start, built by images/build-test-image once per test run and shared: each test boots
/// its own copy (<see cref="BootDisk"/>). The plain releases 1.0.0 (on USR-A) and 1.1.0 (on USR-B, not yet bootable)
/// carry no agent: their init says which slot booted and powers off. The agent releases carry keelson-agent (NativeAOT)
/// and <see cref="ReleaseConfig"/>; their disks are made per test, for the test's own server and key.
/// </summary>
public static class BootImages
{
    public const string OldVersion = "1.0.0";
    public const string NewVersion = "1.1.0";

    private static readonly string s_directory = CreateDirectory();
    private static readonly ConcurrentDictionary<string, Lazy<Task<string>>> s_slots = new();
    private static readonly ConcurrentDictionary<string, Lazy<Task<BuiltImage>>> s_disks = new();
    private static readonly ConcurrentDictionary<string, Lazy<Task<SlotKernelFiles>>> s_kernels = new();
    private static readonly ConcurrentDictionary<string, Lazy<Task<string>>> s_agentSlots = new();
    private static readonly ConcurrentDictionary<(string, string), Lazy<Task<string>>> s_failingAgentSlots = new();

    /// <summary>
    /// The release's own update.conf in the agent releases: its health check fails when the release carries the
    /// fail-health marker; the agent reboots with busybox (the firmware reset).
    /// </summary>
    public const string ReleaseConfig =
        "KEELSON_HEALTH_CHECKS=test ! -e /usr/share/keelson-test/fail-health\nKEELSON_REBOOT_COMMAND=reboot -f\n";

    /// <summary>The slot image (ext4) of release <paramref name="version"/>, without an agent.</summary>
    public static Task<string> SlotAsync(string version) =>
        s_slots.GetOrAdd(version, v => new Lazy<Task<string>>(() => BuildSlotAsync(v))).Value;

    /// <summary>The disk for <paramref name="backend"/>: 1.0.0 on USR-A (booting), 1.1.0 on USR-B.</summary>
    public static Task<BuiltImage> DiskAsync(string backend) =>
        s_disks.GetOrAdd(backend, b => new Lazy<Task<BuiltImage>>(() => BuildDiskAsync(b))).Value;

    /// <summary>The kernel and initrd release <paramref name="version"/> carries (boot/vmlinuz, boot/initrd), copied out with debugfs.</summary>
    public static Task<SlotKernelFiles> KernelFilesAsync(string version) =>
        s_kernels.GetOrAdd(version, v => new Lazy<Task<SlotKernelFiles>>(() => ExtractKernelAsync(v))).Value;

    /// <summary>The slot image of release <paramref name="version"/> with keelson-agent (built by tools/build-agent if needed).</summary>
    public static Task<string> AgentSlotAsync(string version) =>
        s_agentSlots.GetOrAdd(version, v => new Lazy<Task<string>>(() => BuildAgentSlotAsync(v))).Value;

    /// <summary>
    /// The slot image of release <paramref name="version"/> with keelson-agent, made to fail by
    /// <paramref name="marker"/>: <c>panic</c> (its init exits, the kernel panics and resets) or <c>fail-health</c>
    /// (its health check fails).
    /// </summary>
    public static Task<string> FailingAgentSlotAsync(string version, string marker) =>
        s_failingAgentSlots.GetOrAdd((version, marker), key => new Lazy<Task<string>>(() => BuildFailingAgentSlotAsync(key.Item1, key.Item2))).Value;

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

    /// <summary>
    /// The agent slot image of release <paramref name="version"/> made to fail: <paramref name="marker"/> is a
    /// <c>build-test-image slot --marker</c> (panic: its init exits and the kernel resets; fail-health: its health check fails).
    /// </summary>
    public static Task<string> FailingAgentSlotAsync(string version, string marker) =>
        s_agentSlots.GetOrAdd($"{version}+{marker}", _ => new Lazy<Task<string>>(() => BuildAgentSlotAsync(version, marker))).Value;

    private static async Task<string> BuildAgentSlotAsync(string version, string? marker = null)
    {
        var name = marker is null ? version : $"{version}-{marker}";
        var config = Path.Combine(s_directory, $"release-update-{name}.conf");
        await File.WriteAllTextAsync(config, ReleaseConfig);
        var image = Path.Combine(s_directory, $"usr-{name}-agent.ext4");
        string[] markers = marker is null ? [] : ["--marker", marker];
        await Tools.RunAsync(Tools.ImageBuilder, ["slot", "--version", version, "--agent", "--update-conf", config, .. markers, "--out", image]);
        return image;
    }

    private static async Task<string> BuildFailingAgentSlotAsync(string version, string marker)
    {
        var config = Path.Combine(s_directory, $"release-update-{version}-{marker}.conf");
        await File.WriteAllTextAsync(config, ReleaseConfig);
        var image = Path.Combine(s_directory, $"usr-{version}-agent-{marker}.ext4");
        await Tools.RunAsync(Tools.ImageBuilder, "slot", "--version", version, "--agent", "--update-conf", config, "--marker", marker, "--out", image);
        return image;
    }

    private static async Task<SlotKernelFiles> ExtractKernelAsync(string version)
    {
        var slot = await SlotAsync(version);
        var files = new SlotKernelFiles(Path.Combine(s_directory, $"vmlinuz-{version}"), Path.Combine(s_directory, $"initrd-{version}"));
        await Tools.RunAsync("debugfs", "-R", $"dump /boot/vmlinuz {files.Kernel}", slot);
        await Tools.RunAsync("debugfs", "-R", $"dump /boot/initrd {files.Initrd}", slot);
        return File.Exists(files.Kernel) && File.Exists(files.Initrd)
            ? files
            : throw new InvalidOperationException($"{slot} holds no boot/vmlinuz and boot/initrd");
    }

    private static async Task<string> BuildSlotAsync(string version)
    {
        var image = Path.Combine(s_directory, $"usr-{version}.ext4");
        await Tools.RunAsync(Tools.ImageBuilder, "slot", "--version", version, "--out", image);
        return image;
    }

    private static async Task<BuiltImage> BuildDiskAsync(string backend)
    {
        var slotA = await SlotAsync(OldVersion);
        var slotB = await SlotAsync(NewVersion);
        var directory = Path.Combine(s_directory, backend);
        await Tools.RunAsync(Tools.ImageBuilder, "disk", "--backend", backend, "--slot-a", slotA, "--slot-b", slotB,
            "--out", directory, "--keelson", Tools.KeelsonCommand);
        return BuiltImage.Read(directory);
    }

    private static string CreateDirectory()
    {
        var directory = Directory.CreateTempSubdirectory("keelson-boot-images-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(directory, recursive: true);
        return directory;
    }
}
