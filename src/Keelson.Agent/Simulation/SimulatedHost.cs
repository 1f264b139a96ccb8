using Keelson.Agent.Host;
using Keelson.Disks;

namespace Keelson.Agent.Simulation;

/// <summary>
/// The host side of a <see cref="SimulatedMachine"/>: the booted slot is the one its last boot picked, the release
/// is read from that slot's filesystem, a release carrying <c>share/keelson/fail-health</c> fails the health check,
/// and a reboot is a request to <see cref="MachineRunner"/>, which stops the agent and boots again.
/// </summary>
public sealed class SimulatedHost(SimulatedMachine machine) : IMachineHost
{
    /// <summary>Where a release marks itself as failing the simulated health check.</summary>
    public const string FailHealthMarker = "/share/keelson/fail-health";

    private readonly TaskCompletionSource<UsrSlot> _reboot = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string DiskPath => machine.DiskPath;

    /// <summary>Completes when the agent asks for a reboot, with the slot it expects to boot next.</summary>
    public Task<UsrSlot> RebootRequested => _reboot.Task;

    public async Task<MachineFacts> ReadFactsAsync(CancellationToken cancellationToken)
    {
        var boot = machine.ReadBoot()
            ?? throw new UpdateEngineException($"{machine.Directory} has not booted (no {machine.BootPath})", 0, isTransient: false);
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
        _reboot.TrySetResult(next);
        return Task.CompletedTask;
    }
}
