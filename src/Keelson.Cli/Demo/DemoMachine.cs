using System.Globalization;
using Keelson.Agent;
using Keelson.Agent.Configuration;
using Keelson.Agent.Simulation;
using Keelson.Agent.State;
using Keelson.Agent.Status;
using Microsoft.Extensions.Logging;

namespace Keelson.Cli.Demo;

/// <summary>
/// One machine of the demo's fleet: a <see cref="SimulatedMachine"/> run by <see cref="MachineRunner"/> from boot to
/// boot until the demo ends. What it runs comes from the runner's boot lines; what its agent is doing, from the
/// status file the agent keeps for <c>keelson agent status</c>.
/// </summary>
internal sealed class DemoMachine(SimulatedMachine machine, string name, string group, string machineId)
{
    private const string BootPrefix = "boot ";
    private const string RebootPrefix = "reboot:";
    private const string RunsMarker = " runs ";

    private readonly Lock _lock = new();
    private readonly List<string> _booted = [];
    private string _running = "";
    private bool _rebooting;
    private string? _failure;
    private AgentStatus? _lastStatus;

    public string Name => name;

    public string Group => group;

    public string MachineId => machineId;

    public string Directory => machine.Directory;

    /// <summary>The version the current boot runs ("" before the first boot).</summary>
    public string Running
    {
        get
        {
            lock (_lock)
            {
                return _running;
            }
        }
    }

    /// <summary>Why the machine stopped running, or null while it runs.</summary>
    public string? Failure
    {
        get
        {
            lock (_lock)
            {
                return _failure;
            }
        }
    }

    /// <summary>Whether any boot of this machine ran <paramref name="version"/>.</summary>
    public bool HasBooted(string version)
    {
        lock (_lock)
        {
            return _booted.Contains(version);
        }
    }

    /// <summary>Runs the machine until <paramref name="cancellationToken"/> ends the demo; a machine that stops by itself records why.</summary>
    public async Task RunAsync(TimeSpan checkInterval, TimeSpan rebootDowntime, HttpClient http, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        using var lines = new LineWriter(OnLine);
        var runner = new MachineRunner(machine, http, loggers, lines) { RebootDowntime = rebootDowntime };
        string why;
        try
        {
            // No version and no boot count to reach: only the demo's end stops it, or a failure of the agent.
            var outcome = await runner.RunAsync(checkInterval, untilVersion: null, boots: null, Timeout.InfiniteTimeSpan, cancellationToken);
            why = outcome.Why;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return;
        }
        catch (Exception e) when (e is UpdateEngineException or UpdateConfigException or IOException)
        {
            why = e.Message;
        }

        lock (_lock)
        {
            _failure = why;
        }
    }

    /// <summary>What the machine is doing, from its runner and its agent's status file.</summary>
    public MachineActivity Activity()
    {
        var status = ReadStatus();
        bool rebooting;
        string running;
        lock (_lock)
        {
            (rebooting, running) = (_rebooting, _running);
        }

        var (phase, what) = Describe(status, rebooting, running);
        return new MachineActivity(name, group, running, phase, what);
    }

    /// <summary>
    /// The phase and words for a machine. The agent says what its reboot waits for only in words (KEELSON_REBOOT):
    /// those words are read here and nowhere else.
    /// </summary>
    private static (MachinePhase, string) Describe(AgentStatus? status, bool rebooting, string running)
    {
        if (status is null)
        {
            return rebooting ? (MachinePhase.Rebooting, "rebooting") : (MachinePhase.Idle, "");
        }

        var reboot = Detail(status, "REBOOT");
        var next = status.NewVersion;
        if (rebooting || reboot.StartsWith("rebooting", StringComparison.Ordinal))
        {
            // The agent's own words: "rebooting: the update to 1.1.0 is installed in USR-B", or a fall-back.
            return (MachinePhase.Rebooting, reboot.Length > 0 ? reboot : "rebooting");
        }

        return status.CurrentOperation switch
        {
            UpdateStatus.UpdateAvailable => (MachinePhase.Updating, $"update to {next} offered"),
            UpdateStatus.Downloading => (MachinePhase.Updating, $"downloading {next} {Percent(status.Progress)}"),
            UpdateStatus.Verifying => (MachinePhase.Updating, $"installing {next} {Percent(status.Progress)}"),
            UpdateStatus.Finalizing => (MachinePhase.Updating, $"installing {next}"),
            UpdateStatus.UpdatedNeedReboot when reboot.Contains("waiting for a slot", StringComparison.Ordinal) =>
                (MachinePhase.WaitingForSlot, $"{next} installed; waiting for a reboot slot"),
            UpdateStatus.UpdatedNeedReboot => (MachinePhase.Updating, $"{next} installed; about to reboot"),
            UpdateStatus.ReportingErrorEvent => (MachinePhase.Failed, $"the update to {next} failed: {Detail(status, "LAST_ERROR")}"),
            _ when reboot.StartsWith("holding the reboot lock", StringComparison.Ordinal) =>
                (MachinePhase.RolledBack, $"fell back to {running}; keeps its reboot slot"),
            _ => (MachinePhase.Idle, ""),
        };
    }

    private static string Percent(double fraction) => (fraction * 100).ToString("0", CultureInfo.InvariantCulture) + "%";

    private static string Detail(AgentStatus status, string key) =>
        status.Details.FirstOrDefault(d => d.Key == key).Value ?? "";

    /// <summary>The agent's last status; a file being replaced or not yet written gives the one read before.</summary>
    private AgentStatus? ReadStatus()
    {
        var path = new AgentStateStore(machine.StateDirectory).StatusPath;
        try
        {
            if (File.Exists(path))
            {
                var status = AgentStatus.Parse(File.ReadAllText(path));
                lock (_lock)
                {
                    _lastStatus = status;
                }
            }
        }
        catch (Exception e) when (e is IOException or FormatException)
        {
            // Kept from the last read.
        }

        lock (_lock)
        {
            return _lastStatus;
        }
    }

    /// <summary>MachineRunner's lines: "boot 2: USR-B runs 1.1.0" and "reboot: the agent asked for a reboot ...".</summary>
    private void OnLine(string line)
    {
        lock (_lock)
        {
            if (line.StartsWith(BootPrefix, StringComparison.Ordinal) && line.IndexOf(RunsMarker, StringComparison.Ordinal) is var at and > 0)
            {
                _running = line[(at + RunsMarker.Length)..].Trim();
                _booted.Add(_running);
                _rebooting = false;
            }
            else if (line.StartsWith(RebootPrefix, StringComparison.Ordinal))
            {
                _rebooting = true;
            }
        }
    }
}
