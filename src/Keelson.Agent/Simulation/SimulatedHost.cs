using Keelson.Agent.Host;
using Keelson.Disks;
using Keelson.Disks.Boot;
using Keelson.Omaha;

namespace Keelson.Agent.Simulation;

/// <summary>
/// The host side of a <see cref="SimulatedMachine"/>: the booted slot is the one its last boot picked, the release
/// is read from that slot's filesystem, a release carrying <c>share/keelson/fail-health</c> fails the health check,
/// and a reboot is a request to <see cref="MachineRunner"/>, which stops the agent and boots again: through the
/// bootloader's selection, or - a kexec - straight into the slot the kernel command line names.
/// </summary>
public sealed class SimulatedHost(SimulatedMachine machine) : IMachineHost
{
    /// <summary>Where a release marks itself as failing the simulated health check.</summary>
    public const string FailHealthMarker = "/share/keelson/fail-health";

    private readonly TaskCompletionSource<SimulatedReboot> _reboot = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string DiskPath => machine.DiskPath;

    /// <summary>Completes when the agent asks for a reboot, with the slot it expects to boot next.</summary>
    public Task<SimulatedReboot> RebootRequested => _reboot.Task;

    public async Task<MachineFacts> ReadFactsAsync(CancellationToken cancellationToken)
    {
        var boot = machine.ReadBoot()
            ?? throw new UpdateEngineException($"{machine.Directory} has not booted (no {machine.BootPath})", OmahaErrorCodes.MachineSetupError, isTransient: false);
        var release = await machine.ReadReleaseAsync(boot.Slot, cancellationToken);
        var (oem, oemVersion) = MachineFiles.ReadOemRelease(machine.OemReleasePath);
        return new MachineFacts(MachineFiles.ReadMachineId(machine.MachineIdPath), boot.BootId, boot.Slot, release, oem, oemVersion);
    }

    public async Task<HealthReport> CheckOwnHealthAsync(MachineFacts facts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(facts);
        long offset;
        using (var disk = await GptDisk.OpenAsync(machine.DiskPath, cancellationToken: cancellationToken))
        {
            offset = disk.GetSlot(facts.Booted).ByteOffset;
        }

        return await SlotFilesystem.ExistsAsync(machine.DiskPath, offset, FailHealthMarker, cancellationToken)
            ? new HealthReport([$"release {facts.Release.Version} carries {FailHealthMarker}"])
            : new HealthReport([]);
    }

    public Task RebootAsync(UsrSlot next, string reason, string command, CancellationToken cancellationToken)
    {
        _reboot.TrySetResult(new SimulatedReboot(next.Name, Kexec: false));
        return Task.CompletedTask;
    }

    /// <summary>The command line a simulated kernel runs with: the booted slot's partition, as a real one names it.</summary>
    public async Task<string> ReadKernelCommandLineAsync(CancellationToken cancellationToken)
    {
        var boot = machine.ReadBoot()
            ?? throw new UpdateEngineException($"{machine.Directory} has not booted (no {machine.BootPath})", OmahaErrorCodes.MachineSetupError, isTransient: false);
        using var disk = await GptDisk.OpenAsync(machine.DiskPath, cancellationToken: cancellationToken);
        return $"console=ttyS0 mount.usr=PARTUUID={disk.GetSlot(boot.Slot).PartitionUuid}\n";
    }

    /// <summary>A kexec: the next boot is the slot the new command line names, without the bootloader (whose try the agent counted).</summary>
    public async Task KexecAsync(KexecTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (!File.Exists(target.KernelPath))
        {
            throw new UpdateEngineException($"kexec -l {target.KernelPath} failed: no such file", OmahaErrorCodes.KexecFailed, isTransient: false);
        }

        Guid uuid;
        try
        {
            uuid = LinuxHost.BootedPartitionUuid(target.CommandLine);
        }
        catch (UpdateEngineException e)
        {
            throw new UpdateEngineException($"kexec: {e.Message}", OmahaErrorCodes.KexecFailed, isTransient: false, e);
        }

        using var disk = await GptDisk.OpenAsync(machine.DiskPath, cancellationToken: cancellationToken);
        var slot = disk.FindSlot(uuid)
            ?? throw new UpdateEngineException($"kexec: the command line names partition {uuid}, which is not a usr slot of {machine.DiskPath}", OmahaErrorCodes.KexecFailed, isTransient: false);
        _reboot.TrySetResult(new SimulatedReboot(slot.Name, Kexec: true));
    }
}
