using Keelson.Agent;
using Keelson.Agent.Configuration;
using Keelson.Agent.Daemon;
using Keelson.Agent.Simulation;
using Keelson.Disks;

namespace Keelson.Cli.Demo;

/// <summary>
/// The demo's machines, all in this process: each a real <see cref="SimulatedMachine"/> with its own disk image and
/// agent, following one of the seeded groups and taking its reboot slot from the server's FleetLock, in a reboot
/// group named after its update group.
/// </summary>
internal sealed class DemoFleet : IAsyncDisposable
{
    /// <summary>The groups (and channels) a fresh server has, in the order releases move through them.</summary>
    public static readonly IReadOnlyList<string> Groups = ["alpha", "beta", "stable"];

    private static readonly TimeSpan s_stopTimeout = TimeSpan.FromSeconds(3);

    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _runs = [];
    private readonly List<IDisposable> _owned = [];
    private readonly TimeProvider _time;

    private DemoFleet(IReadOnlyList<DemoMachine> machines, TimeProvider time)
    {
        Machines = machines;
        _time = time;
    }

    public IReadOnlyList<DemoMachine> Machines { get; }

    /// <summary>
    /// Creates <paramref name="count"/> machines running <paramref name="image"/>, dealt round the groups
    /// (alpha-01, beta-01, stable-01, alpha-02...), so that every group has its share.
    /// </summary>
    public static async Task<DemoFleet> CreateAsync(
        string directory, int count, string image, string publicKey, Uri server, Action<string> detail, TimeProvider time, CancellationToken cancellationToken)
    {
        var machines = new List<DemoMachine>();
        for (var i = 0; i < count; i++)
        {
            var group = Groups[i % Groups.Count];
            var name = $"{group}-{i / Groups.Count + 1:D2}";
            detail($"machine {i + 1} of {count}: {name}, a GPT disk with {Path.GetFileName(image)} in USR-A");
            SimulatedMachine machine;
            try
            {
                machine = await SimulatedMachine.CreateAsync(
                    Path.Combine(directory, name), image, server, group, publicKey, diskSize: null, RebootStrategy.FleetLock,
                    [$"KEELSON_FLEETLOCK_URL={server}", $"KEELSON_FLEETLOCK_GROUP={group}"], cancellationToken);
            }
            catch (Exception e) when (e is UpdateEngineException or UpdateConfigException or DiskException or IOException)
            {
                throw new CliException($"machine {name} could not be created: {e.Message}");
            }

            var machineId = (await File.ReadAllTextAsync(machine.MachineIdPath, cancellationToken)).Trim();
            machines.Add(new DemoMachine(machine, name, group, machineId));
        }

        return new DemoFleet(machines, time);
    }

    public IEnumerable<DemoMachine> In(string group) => Machines.Where(m => m.Group == group);

    /// <summary>The machine's name for a machine id (as the server and FleetLock know it), or the id itself.</summary>
    public string NameOf(string machineId) => Machines.FirstOrDefault(m => m.MachineId == machineId)?.Name ?? machineId;

    /// <summary>Why some machine stopped running, or null while all run.</summary>
    public string? Failure => Machines.Where(m => m.Failure is not null).Select(m => $"{m.Name} stopped: {m.Failure}").FirstOrDefault();

    /// <summary>
    /// Boots every machine and runs its agent, checking every <paramref name="checkInterval"/> and down for
    /// <paramref name="rebootDowntime"/> at each reboot, until the fleet is disposed.
    /// </summary>
    public void Start(TimeSpan checkInterval, TimeSpan rebootDowntime, DemoLog log)
    {
        var http = AgentDaemon.Http();
        _owned.Add(http);
        foreach (var machine in Machines)
        {
            var loggers = log.MachineLoggers(machine.Name);
            _owned.Add(loggers);
            _runs.Add(Task.Run(() => machine.RunAsync(checkInterval, rebootDowntime, http, loggers, _stop.Token)));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        // Agents stop at once when cancelled; one stuck in a slow disk write must not hold the demo's end.
        await Task.WhenAll(_runs).WaitAsync(s_stopTimeout, _time).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }

        _stop.Dispose();
    }
}
