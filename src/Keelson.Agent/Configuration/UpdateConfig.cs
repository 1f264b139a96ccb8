using Keelson.Coordination;
using Keelson.Disks.Boot;

namespace Keelson.Agent.Configuration;

/// <summary>
/// The agent's configuration, read from CoreOS-style <c>update.conf</c> files (see <see cref="UpdateConfigReader"/>).
/// </summary>
/// <param name="Group">The group (channel) the machine follows: Omaha's <c>track</c>.</param>
/// <param name="Server">
/// The Omaha endpoint; null when <c>SERVER=disabled</c> (no checks, but boots are still marked good). Its user
/// information, if any, is the machine token (<see cref="UrlCredentials"/>).
/// </param>
/// <param name="RebootStrategy">What to do once an update is installed.</param>
/// <param name="RebootWindows">When reboots may happen (none: any time), in their time zone.</param>
/// <param name="Locks">Where the reboot lock of the locking strategies lives.</param>
/// <param name="TrustedKeys">Public key files a payload's signature must verify against (several during a key rotation).</param>
/// <param name="HealthChecks">Commands run after a boot; all must exit 0 for the boot to be marked good.</param>
/// <param name="RebootCommand">How a real host reboots (<c>KEELSON_REBOOT_COMMAND</c>, default <c>systemctl reboot</c>).</param>
/// <param name="Sources">The files read, in order.</param>
public sealed record UpdateConfig(
    string Group,
    Uri? Server,
    RebootStrategy RebootStrategy,
    RebootWindows RebootWindows,
    RebootLockSettings Locks,
    IReadOnlyList<string> TrustedKeys,
    IReadOnlyList<string> HealthChecks,
    string RebootCommand,
    IReadOnlyList<string> Sources)
{
    /// <summary>
    /// Where CoreOS reads <c>update.conf</c> (the image's defaults, then the machine's own settings), then the lock
    /// settings cloud-config writes for Keelson.
    /// </summary>
    public static IReadOnlyList<string> DefaultPaths { get; } = ["/usr/share/coreos/update.conf", "/etc/coreos/update.conf", "/etc/keelson/locks.conf"];

    public const string DefaultRebootCommand = "systemctl reboot";

    public bool CheckingEnabled => Server is not null;

    /// <summary>The server as logs and status show it: without the credentials its URL may carry.</summary>
    public string ServerShown => Server is null ? "disabled" : UrlCredentials.Of(Server).Url.ToString();

    /// <summary>Where the choice of the slot to boot lives (<c>KEELSON_BOOT_BACKEND</c>, default gptprio).</summary>
    public BootBackendKind BootBackend { get; init; } = BootBackendKind.Gptprio;

    /// <summary>Where the ESP is mounted (<c>KEELSON_ESP</c>), for the backends that keep kernels and state there.</summary>
    public string EspDirectory { get; init; } = BootBackends.DefaultEspDirectory;

    /// <summary>How the machine reboots into the next slot (<c>KEELSON_REBOOT_METHOD</c>, default firmware).</summary>
    public RebootMethod RebootMethod { get; init; } = RebootMethod.Firmware;

    /// <summary>
    /// Where the agent serves <c>GET /metrics</c> in Prometheus' text format (<c>KEELSON_METRICS_LISTEN</c>, e.g.
    /// <c>127.0.0.1:9101</c>); null, the default, serves none. Read at start: a change needs a restart.
    /// </summary>
    public System.Net.IPEndPoint? MetricsListen { get; init; }

    /// <summary>
    /// TLS towards the update server and the FleetLock server: a CA file trusted besides the system store
    /// (<c>KEELSON_SERVER_CA</c>) and a client certificate and key for servers that require one (<c>KEELSON_CLIENT_CERT</c>,
    /// <c>KEELSON_CLIENT_KEY</c>).
    /// </summary>
    public Keelson.Tls.ClientTlsSettings Tls { get; init; } = Keelson.Tls.ClientTlsSettings.None;
}
