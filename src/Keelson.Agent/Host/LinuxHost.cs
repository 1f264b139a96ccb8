using System.Globalization;
using Keelson.Disks;
using Keelson.Disks.Boot;
using Keelson.Omaha;

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

    public string DiskPath => _disk ??= FindDisk(BootedPartitionUuid(MachineFiles.ReadSmall(At(CommandLinePath))));

    public async Task<MachineFacts> ReadFactsAsync(CancellationToken cancellationToken)
    {
        var uuid = BootedPartitionUuid(MachineFiles.ReadSmall(At(CommandLinePath)));
        using var gpt = await OpenDiskAsync(cancellationToken);
        var booted = gpt.FindSlot(uuid)
            ?? throw new UpdateEngineException($"the kernel booted partition {uuid}, which is not a usr slot of {DiskPath}", OmahaErrorCodes.HostUnreadable, isTransient: false);
        var releasePath = At("/usr" + ReleaseInfo.PathInUsr);
        var release = ReleaseInfo.Parse(MachineFiles.ReadSmall(releasePath), releasePath);
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
            throw new UpdateEngineException($"the reboot command '{command}' failed ({result.ExitCode}): {result.StandardError.Trim()}", OmahaErrorCodes.RebootFailed, isTransient: true);
        }
    }

    public Task<string> ReadKernelCommandLineAsync(CancellationToken cancellationToken) => File.ReadAllTextAsync(At(CommandLinePath), cancellationToken);

    /// <summary>kexec-tools: <c>kexec -l KERNEL --initrd=INITRD --append=CMDLINE</c>, then <c>kexec -e</c>, which does not return when it works.</summary>
    public async Task KexecAsync(KexecTarget target, CancellationToken cancellationToken)
    {
        await RunKexecAsync(KexecLoadArguments(target), cancellationToken);
        await RunKexecAsync(["-e"], cancellationToken);
    }

    /// <summary>The arguments of <c>kexec -l</c> for <paramref name="target"/> (each one argument, no shell in between).</summary>
    public static IReadOnlyList<string> KexecLoadArguments(KexecTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        List<string> load = ["-l", target.KernelPath];
        if (target.InitrdPath is { } initrd)
        {
            load.Add($"--initrd={initrd}");
        }

        load.Add($"--append={target.CommandLine}");
        return load;
    }

    private static async Task RunKexecAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        CommandResult result;
        try
        {
            result = await ExternalCommand.RunAsync("kexec", arguments, TimeSpan.FromMinutes(1), cancellationToken);
        }
        catch (UpdateEngineException e)
        {
            throw new UpdateEngineException(e.Message, OmahaErrorCodes.KexecFailed, isTransient: false, e);
        }

        if (!result.Succeeded)
        {
            throw new UpdateEngineException(
                $"kexec {string.Join(' ', arguments)} failed ({result.ExitCode}): {result.StandardError.Trim()}", OmahaErrorCodes.KexecFailed, isTransient: false);
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
            OmahaErrorCodes.HostUnreadable,
            isTransient: false);
    }

    private async Task<GptDisk> OpenDiskAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await GptDisk.OpenAsync(DiskPath, cancellationToken: cancellationToken);
        }
        catch (DiskException e)
        {
            throw new UpdateEngineException($"cannot open the disk {DiskPath}: {e.Message}", 0, e.IsTransient, e);
        }
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
            throw new UpdateEngineException($"cannot find the disk holding partition {partition}; pass --disk", OmahaErrorCodes.HostUnreadable, isTransient: false);
        }

        return At("/dev/" + parent.Name);
    }
}
