using Keelson.Agent.Host;
using Keelson.Agent.Simulation;
using Keelson.Disks;
using Keelson.Disks.Boot;
using Keelson.Omaha;

namespace Keelson.Agent.Tests.Engine;

/// <summary>
/// A host over a <see cref="SimulatedMachine"/>'s disk whose boot, health and reboots a test decides: it records
/// each reboot (firmware or kexec) and fails as many as it is told to.
/// </summary>
internal sealed class FakeHost(SimulatedMachine machine) : IMachineHost
{
    private readonly Lock _lock = new();

    public string DiskPath => machine.DiskPath;

    public UsrSlotName Booted { get; set; } = UsrSlotName.A;

    public Guid BootId { get; set; } = Guid.NewGuid();

    /// <summary>What the host's own health check finds wrong.</summary>
    public List<string> HealthFailures { get; } = [];

    /// <summary>How many reboot commands fail before one works.</summary>
    public int FailingReboots { get; set; }

    public bool KexecFails { get; set; }

    /// <summary>Every reboot asked for: "firmware B" or "kexec KERNEL".</summary>
    public List<string> Reboots { get; } = [];

    public KexecTarget? Kexec { get; private set; }

    public string CommandLine { get; set; } = "BOOT_IMAGE=/keelson/A/vmlinuz console=ttyS0 mount.usr=PARTUUID=7130c94a-213a-4e5a-8e26-6cce9662f132 rootflags=rw\n";

    public async Task<MachineFacts> ReadFactsAsync(CancellationToken cancellationToken) => new(
        MachineFiles.ReadMachineId(machine.MachineIdPath), BootId, Booted, await machine.ReadReleaseAsync(Booted, cancellationToken), "", "");

    public Task<HealthReport> CheckOwnHealthAsync(MachineFacts facts, CancellationToken cancellationToken) => Task.FromResult(new HealthReport([.. HealthFailures]));

    public Task RebootAsync(UsrSlot next, string reason, string command, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (FailingReboots > 0)
            {
                FailingReboots--;
                Reboots.Add($"failed firmware {next.Name}");
                throw new UpdateEngineException($"the reboot command '{command}' failed (1): no systemd here", OmahaErrorCodes.RebootFailed, isTransient: true);
            }

            Reboots.Add($"firmware {next.Name}");
            return Task.CompletedTask;
        }
    }

    public Task<string> ReadKernelCommandLineAsync(CancellationToken cancellationToken) => Task.FromResult(CommandLine);

    public Task KexecAsync(KexecTarget target, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (KexecFails)
            {
                Reboots.Add($"failed kexec {target.KernelPath}");
                throw new UpdateEngineException($"kexec -l {target.KernelPath} failed (1): Cannot load {target.KernelPath}", OmahaErrorCodes.KexecFailed, isTransient: false);
            }

            Kexec = target;
            Reboots.Add($"kexec {target.KernelPath}");
            return Task.CompletedTask;
        }
    }

    public IReadOnlyList<string> RebootsSoFar()
    {
        lock (_lock)
        {
            return [.. Reboots];
        }
    }
}
