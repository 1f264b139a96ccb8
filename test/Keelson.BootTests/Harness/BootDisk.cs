using System.Text.Json;
using Xunit.Abstractions;

namespace Keelson.BootTests.Harness;

/// <summary>
/// One test's machine: a copy of a built disk and of the firmware's variable store (OVMF_VARS.fd, its NVRAM) in a
/// temp folder of its own, booted as often as the test wants by <see cref="PowerOn"/>. Disposing deletes the folder.
/// </summary>
public sealed class BootDisk : IDisposable
{
    private const string FirmwareVariables = "/usr/share/OVMF/OVMF_VARS.fd";

    private readonly ITestOutputHelper _log;
    private int _powerOns;

    private BootDisk(BuiltImage image, string directory, ITestOutputHelper log)
    {
        Image = image;
        Directory = directory;
        _log = log;
        Esp = new EspImage(DiskPath, image.EspOffset, image.EspSize);
    }

    public BuiltImage Image { get; }

    public string Directory { get; }

    public string DiskPath => Path.Combine(Directory, "disk.img");

    public string VariablesPath => Path.Combine(Directory, "OVMF_VARS.fd");

    /// <summary>The ESP inside the disk, read and written with mtools while the machine is off.</summary>
    public EspImage Esp { get; }

    public static async Task<BootDisk> CopyAsync(BuiltImage image, ITestOutputHelper log)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory($"keelson-boot-{image.Backend}-").FullName;
        var disk = new BootDisk(image, directory, log);
        // A sparse copy: the 1 GiB disk holds some 50 MiB of data.
        await Tools.RunAsync("cp", "--sparse=always", image.DiskPath, disk.DiskPath);
        File.Copy(FirmwareVariables, disk.VariablesPath);
        return disk;
    }

    /// <summary>Starts QEMU on this disk; <paramref name="serverPort"/> is the host loopback port the guest reaches as http://10.0.2.100/.</summary>
    public QemuMachine PowerOn(TimeSpan limit, int? serverPort = null, bool noReboot = false)
    {
        _powerOns++;
        return QemuMachine.Start(this, $"power-on {_powerOns}", limit, serverPort, noReboot, _log);
    }

    /// <summary>
    /// Runs <c>keelson boot COMMAND --backend B --esp DIR --disk disk.img ARGS</c> on this disk's ESP, as the agent
    /// runs the backend on the machine's mounted ESP: the ESP is copied out to a folder and, afterwards, back.
    /// </summary>
    public async Task<string> BootCommandAsync(string command, params string[] arguments)
    {
        var esp = Path.Combine(Directory, "esp");
        if (await Esp.ExtractAsync(esp) is { } repaired)
        {
            _log.WriteLine(repaired);
        }

        var output = await Tools.KeelsonAsync(["boot", command, "--backend", Image.Backend, "--esp", esp, "--disk", DiskPath, .. arguments]);
        await Esp.ReplaceAsync(esp);
        System.IO.Directory.Delete(esp, recursive: true);
        return output;
    }

    /// <summary>Both slots' boot state as the bootloader will read it at the next boot: <c>keelson boot show --json</c>.</summary>
    public async Task<JsonElement> BootStateAsync() => JsonDocument.Parse(await BootCommandAsync("show", "--json")).RootElement;

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException e)
        {
            _log.WriteLine($"could not delete {Directory}: {e.Message}");
        }
    }
}
