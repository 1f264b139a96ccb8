using Keelson.Coordination;
using Keelson.Coordination.Etcd;
using Keelson.Disks.Boot;
using Keelson.Tls;

namespace Keelson.Agent.Configuration;

/// <summary>
/// Reads <c>update.conf</c> files in order, later keys winning, as CoreOS does: <c>KEY=value</c> lines, values
/// optionally in single or double quotes, <c>#</c> comments and blank lines ignored.
/// </summary>
/// <remarks>
/// Keys: <c>GROUP</c> (default stable), <c>SERVER</c> (an http(s) Omaha URL or <c>disabled</c>),
/// <c>REBOOT_STRATEGY</c> (best-effort, etcd-lock, reboot, off, fleetlock), <c>REBOOT_WINDOW_START</c> and
/// <c>REBOOT_WINDOW_LENGTH</c> (locksmith's format, also with a <c>LOCKSMITHD_</c> prefix), locksmithd's etcd
/// settings (<c>LOCKSMITHD_ENDPOINT</c>, <c>_GROUP</c>, <c>_ETCD_CAFILE</c>, <c>_ETCD_CERTFILE</c>,
/// <c>_ETCD_KEYFILE</c>, <c>_ETCD_USERNAME</c>, <c>_ETCD_PASSWORD</c>), and Keelson's own:
/// <list type="bullet">
/// <item><c>KEELSON_TRUSTED_KEYS</c>: public key files, space-separated;</item>
/// <item><c>KEELSON_HEALTH_CHECKS</c>: commands, separated by <c>;</c>;</item>
/// <item><c>KEELSON_REBOOT_COMMAND</c>: a shell command, default <c>systemctl reboot</c>;</item>
/// <item><c>KEELSON_REBOOT_WINDOWS</c>: several windows (<c>Mon-Fri 02:00 1h; Sat,Sun 03:00 4h</c>) instead of locksmith's one;</item>
/// <item><c>KEELSON_REBOOT_TIMEZONE</c>: the IANA zone of the windows (default: the machine's);</item>
/// <item><c>KEELSON_FLEETLOCK_URL</c> and <c>KEELSON_FLEETLOCK_GROUP</c>: the FleetLock server;</item>
/// <item><c>KEELSON_BOOT_BACKEND</c>: gptprio (default), grub-env or systemd-boot;</item>
/// <item><c>KEELSON_ESP</c>: where the ESP is mounted (default /boot), an absolute path;</item>
/// <item><c>KEELSON_REBOOT_METHOD</c>: firmware (default) or kexec;</item>
/// <item><c>KEELSON_METRICS_LISTEN</c>: an address and port (<c>127.0.0.1:9101</c>) to serve Prometheus metrics on (default: none);</item>
/// <item><c>KEELSON_SERVER_CA</c>: a PEM CA file trusted for the update and FleetLock servers' certificates, besides the system store;</item>
/// <item><c>KEELSON_CLIENT_CERT</c> and <c>KEELSON_CLIENT_KEY</c>: a PEM client certificate and its key, for servers that require one (mTLS).</item>
/// </list>
/// Unknown keys are kept out of the way of other tools' settings and ignored.
/// </remarks>
public static class UpdateConfigReader
{
    private const int MaxFileBytes = 64 * 1024;

    /// <summary>Reads the files that exist among <paramref name="paths"/>; <paramref name="required"/> ones must exist.</summary>
    public static UpdateConfig Read(IEnumerable<string> paths, IReadOnlySet<string>? required = null)
    {
        var values = new Dictionary<string, (string Value, string Where)>(StringComparer.Ordinal);
        var sources = new List<string>();
        foreach (var path in paths)
        {
            if (!File.Exists(path))
            {
                if (required?.Contains(path) == true)
                {
                    throw new UpdateConfigException($"{path}: no such file");
                }

                continue;
            }

            sources.Add(path);
            string text;
            try
            {
                if (new FileInfo(path).Length > MaxFileBytes)
                {
                    throw new UpdateConfigException($"{path}: larger than {MaxFileBytes} bytes; this is not an update.conf");
                }

                text = File.ReadAllText(path);
            }
            catch (IOException e)
            {
                throw new UpdateConfigException($"{path}: {e.Message}");
            }
            catch (UnauthorizedAccessException e)
            {
                throw new UpdateConfigException($"{path}: {e.Message}");
            }

            foreach (var (key, value, line) in Parse(text, path))
            {
                values[key] = (value, $"{path}:{line}");
            }
        }

        return Build(values, sources);
    }

    /// <summary>The <c>KEY=value</c> pairs of one file, with their line numbers.</summary>
    public static IEnumerable<(string Key, string Value, int Line)> Parse(string text, string path)
    {
        var number = 0;
        foreach (var raw in text.ReplaceLineEndings("\n").Split('\n'))
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new UpdateConfigException($"{path}:{number}: expected KEY=value, found '{Shorten(line)}'");
            }

            var key = line[..equals].Trim();
            if (!key.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                throw new UpdateConfigException($"{path}:{number}: '{Shorten(key)}' is not a key (letters, digits and _)");
            }

            yield return (key, Unquote(line[(equals + 1)..].Trim(), path, number), number);
        }
    }

    private static string Unquote(string value, string path, int line)
    {
        if (value.Length > 0 && value[0] is '"' or '\'')
        {
            if (value.Length < 2 || value[^1] != value[0])
            {
                throw new UpdateConfigException($"{path}:{line}: the value {Shorten(value)} has no closing {value[0]}");
            }

            return value[1..^1];
        }

        // An unquoted value ends at a comment.
        var comment = value.IndexOf(" #", StringComparison.Ordinal);
        return comment < 0 ? value : value[..comment].TrimEnd();
    }

    private static UpdateConfig Build(Dictionary<string, (string Value, string Where)> values, List<string> sources)
    {
        string? Get(string key) => values.TryGetValue(key, out var entry) ? entry.Value : null;
        string Where(string key) => values.TryGetValue(key, out var entry) ? entry.Where : "(default)";

        var group = Get("GROUP") is { Length: > 0 } g ? g : "stable";
        if (group.Length > 64 || !group.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw new UpdateConfigException($"{Where("GROUP")}: GROUP '{Shorten(group)}' must be 1-64 letters, digits, '-', '_' or '.'");
        }

        Uri? server = null;
        var serverText = Get("SERVER");
        if (serverText is null or "")
        {
            throw new UpdateConfigException(
                $"SERVER is not set in {(sources.Count == 0 ? "any update.conf (none was found)" : string.Join(", ", sources))}; set it to the Omaha URL, e.g. https://updates.example.com/v1/update/, or to 'disabled'");
        }

        if (serverText != "disabled")
        {
            if (!Uri.TryCreate(serverText, UriKind.Absolute, out server) || server.Scheme is not ("http" or "https"))
            {
                throw new UpdateConfigException($"{Where("SERVER")}: SERVER '{Shorten(serverText)}' is not an http(s) URL or 'disabled'");
            }
        }

        var strategyText = Get("REBOOT_STRATEGY") is { Length: > 0 } st ? st : "best-effort";
        if (!RebootStrategyNames.TryParse(strategyText, out var strategy))
        {
            throw new UpdateConfigException(
                $"{Where("REBOOT_STRATEGY")}: REBOOT_STRATEGY '{Shorten(strategyText)}' is not one of {RebootStrategyNames.All}");
        }

        var windows = ReadWindows(Get, Where, values.ContainsKey);
        var locks = ReadLocks(Get, Where, strategy);
        var keys = (Get("KEELSON_TRUSTED_KEYS") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var checks = (Get("KEELSON_HEALTH_CHECKS") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var reboot = Get("KEELSON_REBOOT_COMMAND") is { Length: > 0 } command ? command : UpdateConfig.DefaultRebootCommand;
        var backendText = Get("KEELSON_BOOT_BACKEND") is { Length: > 0 } b ? b : BootBackendKind.Gptprio.Name();
        var backend = BootBackends.Parse(backendText)
            ?? throw new UpdateConfigException(
                $"{Where("KEELSON_BOOT_BACKEND")}: KEELSON_BOOT_BACKEND '{Shorten(backendText)}' is not one of {string.Join(", ", BootBackends.Names)}");
        var esp = Get("KEELSON_ESP") is { Length: > 0 } e ? e : BootBackends.DefaultEspDirectory;
        if (!Path.IsPathFullyQualified(esp))
        {
            throw new UpdateConfigException($"{Where("KEELSON_ESP")}: KEELSON_ESP '{Shorten(esp)}' is not an absolute path (where the ESP is mounted, e.g. /boot)");
        }

        var methodText = Get("KEELSON_REBOOT_METHOD") is { Length: > 0 } m ? m : "firmware";
        var method = methodText switch
        {
            "firmware" => RebootMethod.Firmware,
            "kexec" => RebootMethod.Kexec,
            _ => throw new UpdateConfigException($"{Where("KEELSON_REBOOT_METHOD")}: KEELSON_REBOOT_METHOD '{Shorten(methodText)}' is not one of firmware, kexec"),
        };
        System.Net.IPEndPoint? metrics = null;
        if (Get("KEELSON_METRICS_LISTEN") is { Length: > 0 } metricsText
            && (!System.Net.IPEndPoint.TryParse(metricsText, out metrics) || metrics.Port == 0))
        {
            throw new UpdateConfigException(
                $"{Where("KEELSON_METRICS_LISTEN")}: KEELSON_METRICS_LISTEN '{Shorten(metricsText)}' is not an IP address and port (e.g. 127.0.0.1:9101)");
        }

        var tls = ReadTls(Get, Where);
        return new UpdateConfig(group, server, strategy, windows, locks, keys, checks, reboot, sources)
        {
            BootBackend = backend,
            EspDirectory = esp,
            RebootMethod = method,
            MetricsListen = metrics,
            Tls = tls,
        };
    }

    /// <summary><c>KEELSON_SERVER_CA</c>, <c>KEELSON_CLIENT_CERT</c> and <c>KEELSON_CLIENT_KEY</c>: absolute paths, the certificate and key together.</summary>
    private static ClientTlsSettings ReadTls(Func<string, string?> get, Func<string, string> where)
    {
        string? Path(string key)
        {
            if (get(key) is not { Length: > 0 } path)
            {
                return null;
            }

            return System.IO.Path.IsPathFullyQualified(path)
                ? path
                : throw new UpdateConfigException($"{where(key)}: {key} '{Shorten(path)}' is not an absolute path (a PEM file)");
        }

        var (ca, cert, key) = (Path("KEELSON_SERVER_CA"), Path("KEELSON_CLIENT_CERT"), Path("KEELSON_CLIENT_KEY"));
        if ((cert is null) != (key is null))
        {
            throw new UpdateConfigException(cert is null
                ? $"{where("KEELSON_CLIENT_KEY")}: KEELSON_CLIENT_KEY is set, but KEELSON_CLIENT_CERT is not: a client key needs its certificate"
                : $"{where("KEELSON_CLIENT_CERT")}: KEELSON_CLIENT_CERT is set, but KEELSON_CLIENT_KEY is not: a client certificate needs its private key");
        }

        return new ClientTlsSettings(ca, cert, key);
    }

    /// <summary>locksmith's one window (<c>REBOOT_WINDOW_START</c>/<c>_LENGTH</c>) or Keelson's several, in <c>KEELSON_REBOOT_TIMEZONE</c>.</summary>
    private static RebootWindows ReadWindows(Func<string, string?> get, Func<string, string> where, Func<string, bool> has)
    {
        var zone = get("KEELSON_REBOOT_TIMEZONE");
        var startKey = has("REBOOT_WINDOW_START") ? "REBOOT_WINDOW_START" : "LOCKSMITHD_REBOOT_WINDOW_START";
        var lengthKey = has("REBOOT_WINDOW_LENGTH") ? "REBOOT_WINDOW_LENGTH" : "LOCKSMITHD_REBOOT_WINDOW_LENGTH";
        var start = get(startKey);
        var length = get(lengthKey);
        var several = get("KEELSON_REBOOT_WINDOWS");
        if (!string.IsNullOrEmpty(several))
        {
            if (!string.IsNullOrEmpty(start) || !string.IsNullOrEmpty(length))
            {
                throw new UpdateConfigException(
                    $"{where("KEELSON_REBOOT_WINDOWS")}: KEELSON_REBOOT_WINDOWS and {startKey}/{lengthKey} are both set; use one way of giving the reboot window");
            }

            return RebootWindows.TryParse(several, zone, out var parsed, out var error)
                ? parsed!
                : throw new UpdateConfigException($"{where("KEELSON_REBOOT_WINDOWS")}: {error}");
        }

        if (!string.IsNullOrEmpty(start) != !string.IsNullOrEmpty(length))
        {
            var given = string.IsNullOrEmpty(start) ? lengthKey : startKey;
            throw new UpdateConfigException($"{where(given)}: {given} is set without its partner; a reboot window needs both a start and a length");
        }

        return RebootWindows.TryParseLocksmith(start, length, zone, out var windows, out var locksmithError)
            ? windows!
            : throw new UpdateConfigException($"{where(string.IsNullOrEmpty(start) ? "KEELSON_REBOOT_TIMEZONE" : startKey)}: {locksmithError}");
    }

    private static RebootLockSettings ReadLocks(Func<string, string?> get, Func<string, string> where, RebootStrategy strategy)
    {
        EtcdSettings? etcd = null;
        if (get("LOCKSMITHD_ENDPOINT") is { Length: > 0 } endpoints || strategy == RebootStrategy.EtcdLock)
        {
            var urls = new List<Uri>();
            foreach (var text in (get("LOCKSMITHD_ENDPOINT") ?? EtcdSettings.DefaultEndpoint.ToString()).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
                {
                    throw new UpdateConfigException($"{where("LOCKSMITHD_ENDPOINT")}: '{Shorten(text)}' is not an etcd client URL (http(s)://host:port)");
                }

                urls.Add(url);
            }

            etcd = new EtcdSettings(urls)
            {
                CaFile = get("LOCKSMITHD_ETCD_CAFILE") is { Length: > 0 } ca ? ca : null,
                CertFile = get("LOCKSMITHD_ETCD_CERTFILE") is { Length: > 0 } cert ? cert : null,
                KeyFile = get("LOCKSMITHD_ETCD_KEYFILE") is { Length: > 0 } key ? key : null,
                Username = get("LOCKSMITHD_ETCD_USERNAME") is { Length: > 0 } user ? user : null,
                Password = get("LOCKSMITHD_ETCD_PASSWORD") is { Length: > 0 } password ? password : null,
            };
        }

        Uri? fleetLock = null;
        if (get("KEELSON_FLEETLOCK_URL") is { Length: > 0 } fleetLockText
            && (!Uri.TryCreate(fleetLockText, UriKind.Absolute, out fleetLock) || fleetLock.Scheme is not ("http" or "https")))
        {
            throw new UpdateConfigException($"{where("KEELSON_FLEETLOCK_URL")}: KEELSON_FLEETLOCK_URL '{Shorten(fleetLockText)}' is not an http(s) URL");
        }

        if (strategy == RebootStrategy.FleetLock && fleetLock is null)
        {
            throw new UpdateConfigException($"{where("REBOOT_STRATEGY")}: REBOOT_STRATEGY=fleetlock needs KEELSON_FLEETLOCK_URL, the FleetLock server's base URL");
        }

        var fleetLockGroup = get("KEELSON_FLEETLOCK_GROUP") is { Length: > 0 } g ? g : "default";
        if (!fleetLockGroup.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-'))
        {
            throw new UpdateConfigException($"{where("KEELSON_FLEETLOCK_GROUP")}: KEELSON_FLEETLOCK_GROUP '{Shorten(fleetLockGroup)}' may hold only letters, digits, '.' and '-'");
        }

        return new RebootLockSettings(etcd, get("LOCKSMITHD_GROUP") ?? "", fleetLock, fleetLockGroup);
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "...";
}
