using System.Text.RegularExpressions;

namespace Keelson.CloudConfig.Schema;

/// <summary>
/// The CoreOS cloud-config dialect Keelson understands: the keys of coreos-cloudinit's configuration structures, their
/// types and the patterns their values must match.
/// </summary>
internal static class CloudConfigSchema
{
    /// <summary>The single-line string most keys are.</summary>
    private static readonly ScalarSchema s_line = new(ScalarType.String, SingleLine: true);
    private static readonly ScalarSchema s_text = new(ScalarType.String);
    private static readonly ScalarSchema s_bool = new(ScalarType.Bool);
    private static readonly ScalarSchema s_int = new(ScalarType.Int);

    public static MapSchema Update { get; } = new([
        new("reboot_strategy", Pattern("^(best-effort|etcd-lock|reboot|off|fleetlock)$"), Env: "REBOOT_STRATEGY"),
        new("group", s_line, Env: "GROUP"),
        new("server", s_line, Env: "SERVER"),
    ]);

    /// <summary>locksmithd's settings; the window keeps the names locksmithd and Keelson's agent read in update.conf.</summary>
    public static MapSchema Locksmith { get; } = new([
        new("endpoint", s_line, Env: "LOCKSMITHD_ENDPOINT"),
        new("etcd_cafile", s_line, Env: "LOCKSMITHD_ETCD_CAFILE"),
        new("etcd_certfile", s_line, Env: "LOCKSMITHD_ETCD_CERTFILE"),
        new("etcd_keyfile", s_line, Env: "LOCKSMITHD_ETCD_KEYFILE"),
        new("etcd_username", s_line, Env: "LOCKSMITHD_ETCD_USERNAME"),
        new("etcd_password", s_line, Env: "LOCKSMITHD_ETCD_PASSWORD"),
        new("group", s_line, Env: "LOCKSMITHD_GROUP"),
        // HH:MM daily or "Thu 04:00" weekly; hours 0-23 and minutes 0-59, leading zeros allowed.
        new("window_start", Pattern("^(?:(?i:sun|mon|tue|wed|thu|fri|sat) )?0*(?:1?[0-9]|2[0-3]):0*[1-5]?[0-9]$"), Env: "REBOOT_WINDOW_START"),
        // A Go duration such as 1h30m.
        new("window_length", Pattern(@"^[-+]?(?:[0-9]*(?:\.[0-9]*)?[a-z]+)+$"), Env: "REBOOT_WINDOW_LENGTH"),
    ]);

    /// <summary>etcd2's flags, in the order coreos-cloudinit writes them, each as <c>ETCD_&lt;KEY&gt;</c>.</summary>
    public static MapSchema Etcd2 { get; } = new([
        Etcd("advertise_client_urls", s_line),
        Etcd("ca_file", s_line, "obsoleted by trusted_ca_file and client_cert_auth"),
        Etcd("cert_file", s_line),
        Etcd("client_cert_auth", s_bool),
        Etcd("cors", s_line),
        Etcd("data_dir", s_line),
        Etcd("debug", s_bool),
        Etcd("discovery", s_line),
        Etcd("discovery_fallback", s_line),
        Etcd("discovery_srv", s_line),
        Etcd("discovery_proxy", s_line),
        Etcd("election_timeout", s_int),
        Etcd("enable_pprof", s_bool),
        Etcd("force_new_cluster", s_bool),
        Etcd("heartbeat_interval", s_int),
        Etcd("initial_advertise_peer_urls", s_line),
        Etcd("initial_cluster", s_line),
        Etcd("initial_cluster_state", s_line),
        Etcd("initial_cluster_token", s_line),
        Etcd("key_file", s_line),
        Etcd("listen_client_urls", s_line),
        Etcd("listen_peer_urls", s_line),
        Etcd("log_package_levels", s_line),
        Etcd("max_snapshots", s_int),
        Etcd("max_wals", s_int),
        Etcd("name", s_line),
        Etcd("peer_ca_file", s_line, "obsoleted by peer_trusted_ca_file and peer_client_cert_auth"),
        Etcd("peer_cert_file", s_line),
        Etcd("peer_key_file", s_line),
        Etcd("peer_client_cert_auth", s_bool),
        Etcd("peer_trusted_ca_file", s_line),
        Etcd("proxy", Pattern("^(on|off|readonly)$")),
        Etcd("proxy_dial_timeout", s_int),
        Etcd("proxy_failure_wait", s_int),
        Etcd("proxy_read_timeout", s_int),
        Etcd("proxy_refresh_interval", s_int),
        Etcd("proxy_write_timeout", s_int),
        Etcd("snapshot_count", s_int),
        Etcd("strict_reconfig_check", s_bool),
        Etcd("trusted_ca_file", s_line),
        Etcd("wal_dir", s_line),
    ]);

    public static MapSchema Unit { get; } = new([
        new("name", s_line),
        new("mask", s_bool),
        new("enable", s_bool),
        new("runtime", s_bool),
        new("content", s_text),
        new("command", Pattern("^(start|stop|restart|reload|try-restart|reload-or-restart|reload-or-try-restart)$")),
        new("drop_ins", new ListSchema(new MapSchema([new("name", s_line), new("content", s_text)]))),
    ]);

    public static MapSchema File { get; } = new([
        new("path", s_line),
        new("content", s_text),
        new("permissions", Pattern("^0?[0-7]{3,4}$")),
        new("owner", s_line),
        new("encoding", Pattern(@"^(base64|b64|gz|gzip|gz\+base64|gzip\+base64|gz\+b64|gzip\+b64)$")),
    ]);

    public static MapSchema User { get; } = new([
        new("name", s_line),
        new("passwd", s_line),
        new("ssh_authorized_keys", new ListSchema(s_text)),
        new("gecos", s_line),
        new("homedir", s_line),
        new("no_create_home", s_bool),
        new("primary_group", s_line),
        new("groups", new ListSchema(s_line)),
        new("no_user_group", s_bool),
        new("system", s_bool),
        new("no_log_init", s_bool),
        new("shell", s_line),
    ]);

    public static MapSchema CoreOs { get; } = new([
        new("etcd", new AnySchema(), Deprecated: "etcd 0.4 is not supported; use etcd2"),
        new("etcd2", Etcd2),
        new("fleet", new AnySchema(), Deprecated: "fleet is no longer shipped"),
        new("locksmith", Locksmith),
        new("update", Update),
        new("units", new ListSchema(Unit)),
    ]);

    public static MapSchema Root { get; } = new([
        new("hostname", s_line),
        new("ssh_authorized_keys", new ListSchema(s_text)),
        new("users", new ListSchema(User)),
        new("write_files", new ListSchema(File)),
        new("manage_etc_hosts", Pattern("^localhost$")),
        new("coreos", CoreOs),
    ]);

    /// <summary>Keys are the same with <c>-</c> or <c>_</c>: <c>reboot-strategy</c> is <c>reboot_strategy</c>.</summary>
    public static string Normalize(string key) => key.Replace('-', '_');

    private static SchemaField Etcd(string name, ScalarSchema type, string? deprecated = null) =>
        new(name, type, deprecated, "ETCD_" + name.ToUpperInvariant());

    // Non-backtracking: patterns such as the duration's nested repetition must not be a way to burn CPU.
    private static ScalarSchema Pattern(string pattern) =>
        new(ScalarType.String, new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking), SingleLine: true);
}
