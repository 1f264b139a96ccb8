using System.Collections.Concurrent;

namespace Keelson.BootTests.Harness;

/// <summary>
/// The images the boot tests start, built once per test run by images/build-test-image and shared: each test boots
/// its own copy (<see cref="BootDisk"/>). Releases 1.0.0 (on USR-A) and 1.1.0 (on USR-B, not yet bootable) carry no
/// agent: their init says which slot booted and powers off.
/// </summary>
public static class BootImages
{
    public const string OldVersion = "1.0.0";
    public const string NewVersion = "1.1.0";

    private static readonly string s_directory = CreateDirectory();
    private static readonly ConcurrentDictionary<string, Lazy<Task<string>>> s_slots = new();
    private static readonly ConcurrentDictionary<string, Lazy<Task<BuiltImage>>> s_disks = new();
    private static readonly ConcurrentDictionary<string, Lazy<Task<SlotKernelFiles>>> s_kernels = new();

    /// <summary>The slot image (ext4) of release <paramref name="version"/>, without an agent.</summary>
    public static Task<string> SlotAsync(string version) =>
        s_slots.GetOrAdd(version, v => new Lazy<Task<string>>(() => BuildSlotAsync(v))).Value;

    /// <summary>The disk for <paramref name="backend"/>: 1.0.0 on USR-A (booting), 1.1.0 on USR-B.</summary>
    public static Task<BuiltImage> DiskAsync(string backend) =>
        s_disks.GetOrAdd(backend, b => new Lazy<Task<BuiltImage>>(() => BuildDiskAsync(b))).Value;

    /// <summary>The kernel and initrd release <paramref name="version"/> carries (boot/vmlinuz, boot/initrd), copied out with debugfs.</summary>
    public static Task<SlotKernelFiles> KernelFilesAsync(string version) =>
        s_kernels.GetOrAdd(version, v => new Lazy<Task<SlotKernelFiles>>(() => ExtractKernelAsync(v))).Value;

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
