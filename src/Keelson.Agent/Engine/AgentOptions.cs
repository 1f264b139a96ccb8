using Keelson.Agent.Configuration;
using Keelson.Disks.Boot;

namespace Keelson.Agent.Engine;

/// <summary>How an agent is run: where its configuration and state are, and its timing (update_engine's by default).</summary>
public sealed class AgentOptions
{
    /// <summary>update.conf files, read in order.</summary>
    public IReadOnlyList<string> ConfigPaths { get; set; } = UpdateConfig.DefaultPaths;

    /// <summary>Config files that must exist (those named with --config).</summary>
    public IReadOnlySet<string> RequiredConfigPaths { get; set; } = new HashSet<string>();

    public string StateDirectory { get; set; } = "/var/lib/keelson";

    public TimeSpan FirstCheckDelay { get; set; } = TimeSpan.FromMinutes(7);

    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromMinutes(45);

    /// <summary>How long after start a trial boot's health is checked (update_engine marks boots good after 45 s).</summary>
    public TimeSpan HealthCheckDelay { get; set; } = TimeSpan.FromSeconds(45);

    public TimeSpan HealthCheckTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The first wait after a refused reboot lock, doubling up to <see cref="LockRetryMax"/> (locksmith: 5 s to 5 min).</summary>
    public TimeSpan LockRetry { get; set; } = RebootCoordinator.DefaultFirstBackoff;

    public TimeSpan LockRetryMax { get; set; } = RebootCoordinator.DefaultMaxBackoff;

    /// <summary>How long after a failed reboot command the reboot is tried again.</summary>
    public TimeSpan RebootRetry { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Opens the boot backend <c>KEELSON_BOOT_BACKEND</c> names, for the disk and the ESP directory (<see cref="BootBackends.Open"/>).</summary>
    public Func<BootBackendKind, string, string, IBootBackend> OpenBootBackend { get; set; } = BootBackends.Open;

    /// <summary>Serve <c>keelson agent status|check|...</c> on the control socket in the state directory.</summary>
    public bool ControlSocket { get; set; } = true;

    /// <summary>Reload the configuration on SIGHUP.</summary>
    public bool ReloadOnSighup { get; set; } = true;
}
