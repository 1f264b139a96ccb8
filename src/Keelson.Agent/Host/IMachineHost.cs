using Keelson.Disks;
using Keelson.Disks.Boot;

namespace Keelson.Agent.Host;

/// <summary>
/// What differs between a real machine and a simulated one: where the disk and the machine's identity are, which
/// slot was booted, and how the machine reboots. Everything else the agent does is the same code.
/// </summary>
public interface IMachineHost
{
    /// <summary>The disk (block device or image file) holding the usr slots.</summary>
    string DiskPath { get; }

    /// <summary>This machine's identity files and the boot it is in.</summary>
    Task<MachineFacts> ReadFactsAsync(CancellationToken cancellationToken);

    /// <summary>Checks the host itself adds to the configured health checks (none on a real host).</summary>
    Task<HealthReport> CheckOwnHealthAsync(MachineFacts facts, CancellationToken cancellationToken);

    /// <summary>
    /// Reboots the machine. On a real host this runs the reboot command and returns once it has been started;
    /// the agent then waits to be stopped.
    /// </summary>
    /// <param name="next">The slot the bootloader is expected to pick (for a kexec-style reboot command).</param>
    /// <param name="reason">Why, for the log.</param>
    /// <param name="command">The configured reboot command (<c>KEELSON_REBOOT_COMMAND</c>), which a real host runs.</param>
    Task RebootAsync(UsrSlot next, string reason, string command, CancellationToken cancellationToken);

    /// <summary>The running kernel's command line (<c>/proc/cmdline</c>), the base of a new slot's.</summary>
    Task<string> ReadKernelCommandLineAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Reboots by starting <paramref name="target"/>'s kernel directly, without the firmware and the bootloader
    /// (<c>kexec -l</c>, then <c>kexec -e</c>). Returns once the new kernel is being started.
    /// </summary>
    /// <exception cref="UpdateEngineException">The kernel could not be loaded or started (<see cref="Keelson.Omaha.OmahaErrorCodes.KexecFailed"/>).</exception>
    Task KexecAsync(KexecTarget target, CancellationToken cancellationToken);
}

/// <summary>Who the machine is and what it booted.</summary>
/// <param name="MachineId">32 hex digits of /etc/machine-id.</param>
/// <param name="BootId">The kernel's boot id, a new one every boot.</param>
/// <param name="Booted">The usr slot the machine runs from.</param>
/// <param name="Release">What that slot holds.</param>
/// <param name="Oem">ID= of /etc/oem-release, or "".</param>
/// <param name="OemVersion">VERSION_ID= of /etc/oem-release, or "".</param>
public sealed record MachineFacts(string MachineId, Guid BootId, UsrSlotName Booted, ReleaseInfo Release, string Oem, string OemVersion);
