using System.Globalization;
using Keelson.Disks;

namespace Keelson.Agent.Host;

/// <summary>
/// A real machine: identity from /etc and /proc, the booted slot from the kernel command line
/// (<c>mount.usr=</c>/<c>verity.usr=</c>/<c>usr=</c> naming <c>PARTUUID=...</c>), the release from the running
/// /usr, and reboots through a command (<c>systemctl reboot</c> unless configured otherwise).
/// </summary>
/// <param name="disk">The disk with the usr slots; null to find it from the booted partition.</param>
/// <param name="root">
/// Where the machine's own files are read: <c>/</c>, or a directory holding <c>proc/cmdline</c>, <c>etc/machine-id</c>,
/// <c>usr/share/coreos/release</c>... (an image being built, a test). The disk is found under it too.
/// </param>
/// <remarks>
/// In the reboot command, <c>{slot}</c>, <c>{partition}</c> and <c>{partuuid}</c> are replaced with the slot expected
/// to boot next, so that a kexec wrapper can load that slot's kernel.
/// </remarks>
public sealed class LinuxHost(string? disk, string root = "/") : IMachineHost
{
    private const string CommandLinePath = "/proc/cmdline";

    private string? _disk = disk;

    public string DiskPath => _disk ??= FindDisk(BootedPartitionUuid(File.ReadAllText(At(CommandLinePath))));

    public async Task<MachineFacts> ReadFactsAsync(CancellationToken cancellationToken)
    {
        var uuid = BootedPartitionUuid(await File.ReadAllTextAsync(At(CommandLinePath), cancellationToken));
        using var gpt = await GptDisk.OpenAsync(DiskPath, cancellationToken: cancellationToken);
        var booted = gpt.FindSlot(uuid)
            ?? throw new UpdateEngineException($"the kernel booted partition {uuid}, which is not a usr slot of {DiskPath}", 0, isTransient: false);
        var releasePath = At("/usr" + ReleaseInfo.PathInUsr);
        var release = ReleaseInfo.Parse(await File.ReadAllTextAsync(releasePath, cancellationToken), releasePath);
        var (oem, oemVersion) = File.Exists(At("/etc/oem-release"))
            ? MachineFiles.ReadOemRelease(At("/etc/oem-release"))
            : MachineFiles.ReadOemRelease(At("/usr/share/oem/oem-release"));
        return new MachineFacts(
            MachineFiles.ReadMachineId(At("/etc/machine-id")),
            MachineFiles.ReadBootId(At("/proc/sys/kernel/random/boot_id")),
            booted.Name,
            release,
            oem,
            oemVersion);
    }

    public Task<HealthReport> CheckOwnHealthAsync(MachineFacts facts, CancellationToken cancellationToken) =>
        Task.FromResult(new HealthReport([]));

    public async Task RebootAsync(UsrSlot next, string reason, string command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(command);
        command = command
            .Replace("{slot}", next.Name.ToString(), StringComparison.Ordinal)
            .Replace("{partition}", next.PartitionNumber.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{partuuid}", next.PartitionUuid.ToString(), StringComparison.Ordinal);
        var result = await ExternalCommand.RunAsync("/bin/sh", ["-c", command], TimeSpan.FromMinutes(2), cancellationToken);
        if (!result.Succeeded)
        {
            throw new UpdateEngineException($"the reboot command '{command}' failed ({result.ExitCode}): {result.StandardError.Trim()}", 0, isTransient: true);
        }
    }

    /// <summary>The PARTUUID the kernel was told to mount /usr from.</summary>
    public static Guid BootedPartitionUuid(string commandLine)
    {
        ArgumentNullException.ThrowIfNull(commandLine);
        foreach (var word in commandLine.Split((char[])[' ', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var key in (string[])["mount.usr=", "verity.usr=", "usr="])
            {
                if (!word.StartsWith(key, StringComparison.Ordinal))
                {
                    continue;
                }

                var value = word[key.Length..];
                var at = value.IndexOf("PARTUUID=", StringComparison.OrdinalIgnoreCase);
                if (at >= 0 && Guid.TryParse(value[(at + "PARTUUID=".Length)..], out var uuid))
                {
                    return uuid;
                }

                const string byPartUuid = "/dev/disk/by-partuuid/";
                if (value.StartsWith(byPartUuid, StringComparison.Ordinal) && Guid.TryParse(value[byPartUuid.Length..], out uuid))
                {
                    return uuid;
                }
            }
        }

        throw new UpdateEngineException(
            "the kernel command line names no usr partition (mount.usr=, verity.usr= or usr= with PARTUUID=...); pass --disk and run on an A/B system",
            0,
            isTransient: false);
    }

    /// <summary>A path of the machine, under <see cref="LinuxHost"/>'s root.</summary>
    private string At(string path) => root == "/" ? path : Path.Join(root, path);

    /// <summary>The whole disk a partition is on, through sysfs: /dev/sda3 -> /sys/class/block/sda3 -> sda.</summary>
    private string FindDisk(Guid partition)
    {
        var link = new FileInfo(At($"/dev/disk/by-partuuid/{partition}"));
        var device = link.Exists ? link.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? link.FullName : null;
        var sys = device is null ? null : new DirectoryInfo(At($"/sys/class/block/{Path.GetFileName(device)}"));
        var parent = sys?.ResolveLinkTarget(returnFinalTarget: true) is DirectoryInfo target ? target.Parent : sys?.Parent;
        if (parent is null || !File.Exists(Path.Combine(parent.FullName, "dev")))
        {
            throw new UpdateEngineException($"cannot find the disk holding partition {partition}; pass --disk", 0, isTransient: false);
        }

        return At("/dev/" + parent.Name);
    }
}
