using Keelson.Disks.Boot;

namespace Keelson.Disks.Tests.Boot;

/// <summary>
/// A disk image with the Flatcar layout, a folder standing for its mounted ESP, and small files standing for each
/// release's kernel and initrd (their text names the release, so a test can see which one the ESP holds).
/// </summary>
internal sealed class BootTestMachine : IDisposable
{
    public const string CommandLine = "console=ttyS0 panic=-1";

    private readonly TempDirectory _temp;

    private BootTestMachine(TempDirectory temp, string disk, BootBackendKind kind)
    {
        _temp = temp;
        Disk = disk;
        Kind = kind;
        Esp = Directory.CreateDirectory(_temp.File("esp")).FullName;
        Backend = BootBackends.Open(kind, disk, Esp);
    }

    public string Disk { get; }

    public string Esp { get; }

    public BootBackendKind Kind { get; }

    public IBootBackend Backend { get; }

    public static async Task<BootTestMachine> CreateAsync(string kind)
    {
        var parsed = BootBackends.Parse(kind) ?? throw new ArgumentOutOfRangeException(nameof(kind));
        var temp = new TempDirectory();
        var disk = await TestDisks.CreateFlatcarAsync(temp);
        return new BootTestMachine(temp, disk, parsed);
    }

    /// <summary>Sets up slot A with <paramref name="version"/> as an image builder does.</summary>
    public async Task InitializeAsync(string version = "1.0.0") =>
        await BootBackends.InitializeAsync(Kind, Disk, Esp, Kernel(version), default);

    /// <summary>What the agent does to install <paramref name="version"/> into <paramref name="slot"/>.</summary>
    public async Task InstallAsync(UsrSlotName slot, string version, bool withInitrd = true)
    {
        var target = await SlotAsync(slot);
        await Backend.DisableAsync(target, default);
        await Backend.MarkInstalledAsync(target, Kernel(version, withInitrd), default);
    }

    public Task<SimulatedBoot?> BootAsync() => ((IBootSimulator)Backend).SimulateBootAsync(default);

    public Task<BootState> StateAsync() => Backend.ReadAsync(default);

    public async Task<UsrSlot> SlotAsync(UsrSlotName slot)
    {
        using var disk = await GptDisk.OpenAsync(Disk);
        return disk.GetSlot(slot);
    }

    public SlotKernel Kernel(string version, bool withInitrd = true)
    {
        var folder = Directory.CreateDirectory(_temp.File($"release-{version}")).FullName;
        var kernel = Path.Combine(folder, "vmlinuz");
        var initrd = Path.Combine(folder, "initrd");
        File.WriteAllText(kernel, $"kernel {version}");
        File.WriteAllText(initrd, $"initrd {version}");
        return new SlotKernel(version, kernel, withInitrd ? initrd : null, CommandLine);
    }

    /// <summary>The text of a file on the ESP, or null when it is not there.</summary>
    public string? EspText(string espPath)
    {
        var path = EspLayout.Local(Esp, espPath);
        return File.Exists(path) ? File.ReadAllText(path) : null;
    }

    public void Dispose() => _temp.Dispose();
}
