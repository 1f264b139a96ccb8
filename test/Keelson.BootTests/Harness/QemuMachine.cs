using System.Globalization;
using System.Text.RegularExpressions;
using Keelson.IntegrationTests.Harness;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Keelson.BootTests.Harness;

/// <summary>
/// One power-on of a <see cref="BootDisk"/>: <c>timeout N qemu-system-x86_64</c> with TCG (KVM does not run OVMF
/// here), OVMF as pflash (read-only code, the disk's own variable store), the disk on virtio, and the serial console
/// on stdout, read line by line - the test's eyes. The guest's network, when asked for, is QEMU's user mode with
/// restrict=on: its one way out is 10.0.2.100:80, forwarded by socat to a port on the host's loopback.
/// A guest reset boots again in the same QEMU unless <c>noReboot</c>; a guest power-off ends it.
/// Disposing kills QEMU (SIGKILL) if it still runs and writes the console to the test output.
/// </summary>
public sealed partial class QemuMachine : IAsyncDisposable
{
    /// <summary>The guest address the forward listens on; the guest's agent talks to http://10.0.2.100/.</summary>
    public const string ServerAddress = "10.0.2.100";

    private const string FirmwareCode = "/usr/share/OVMF/OVMF_CODE.fd";

    private readonly RunningProcess _process;
    private readonly string _name;
    private readonly ITestOutputHelper _log;

    private QemuMachine(RunningProcess process, string name, ITestOutputHelper log)
    {
        _process = process;
        _name = name;
        _log = log;
    }

    /// <summary>The serial console so far.</summary>
    public string Console => _process.StandardOutput;

    public bool HasExited => _process.HasExited;

    internal static QemuMachine Start(BootDisk disk, string name, TimeSpan limit, int? serverPort, bool noReboot, ITestOutputHelper log)
    {
        string[] network = serverPort is { } port
            ? ["-netdev", $"user,id=n0,restrict=on,guestfwd=tcp:{ServerAddress}:80-cmd:socat STDIO TCP:127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
               "-device", "virtio-net-pci,netdev=n0"]
            : ["-nic", "none"];
        string[] arguments =
        [
            "--signal=KILL", ((int)limit.TotalSeconds).ToString(CultureInfo.InvariantCulture),
            "qemu-system-x86_64", "-machine", "q35", "-accel", "tcg", "-m", "512", "-smp", "1",
            "-drive", $"if=pflash,format=raw,readonly=on,file={FirmwareCode}",
            "-drive", $"if=pflash,format=raw,file={disk.VariablesPath}",
            "-drive", $"if=virtio,format=raw,file={disk.DiskPath}",
            .. network,
            "-display", "none", "-monitor", "none", "-serial", "stdio",
            .. noReboot ? (string[])["-no-reboot"] : [],
        ];
        return new QemuMachine(ProcessRunner.Start(ProcessRunner.Describe("timeout", arguments, disk.Directory)), name, log);
    }

    /// <summary>
    /// The <paramref name="occurrence"/>-th console line (1 = the first since power-on) that <paramref name="pattern"/>
    /// matches, waiting for it until <paramref name="timeout"/>; fails with the console so far.
    /// </summary>
    public async Task<Match> WaitForLineAsync(Regex pattern, TimeSpan timeout, int occurrence = 1)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        // RunningProcess offers each line once, in order: counting matches finds the n-th.
        var seen = 0;
        var line = await _process.WaitForLineAsync(l => pattern.IsMatch(l) && ++seen == occurrence, timeout);
        return pattern.Match(line);
    }

    /// <summary>The <paramref name="boot"/>-th boot of this power-on (1 = the first): which slot and version the init found.</summary>
    public async Task<BootedSlot> WaitForBootAsync(TimeSpan timeout, int boot = 1)
    {
        var match = await WaitForLineAsync(BootedLine(), timeout, boot);
        return new BootedSlot(match.Groups["slot"].Value[0], match.Groups["version"].Value);
    }

    /// <summary>Waits until the guest powers off (QEMU exits 0); fails when the deadline passes or QEMU fails.</summary>
    public async Task WaitForPowerOffAsync(TimeSpan timeout)
    {
        if (!await _process.WaitForExitAsync(timeout))
        {
            throw new XunitException($"{_name}: the guest did not power off within {timeout.TotalSeconds:0}s:\n{_process.Describe()}");
        }

        var result = _process.Result();
        if (result.ExitCode != 0)
        {
            throw new XunitException($"{_name}: QEMU exited {result.ExitCode} (124/137: killed by timeout):\n{_process.Describe()}");
        }
    }

    /// <summary>Pulls the plug: SIGKILL to QEMU, whatever the guest is doing.</summary>
    public void Kill() => _process.Kill();

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        _log.WriteLine($"--- {_name} ---\n{_process.Describe()}");
    }

    [GeneratedRegex(@"KEELSON-BOOTED slot=(?<slot>[AB]) version=(?<version>\S+)")]
    private static partial Regex BootedLine();
}
