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
    private static readonly ScalarSchema s_float = new(ScalarType.Float);
    private static readonly ScalarSchema s_sshKey = new(ScalarType.String, SshKey: true);

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
        Etcd2Flag("advertise_client_urls", s_line),
        Etcd2Flag("ca_file", s_line, "obsoleted by trusted_ca_file and client_cert_auth"),
        Etcd2Flag("cert_file", s_line),
        Etcd2Flag("client_cert_auth", s_bool),
        Etcd2Flag("cors", s_line),
        Etcd2Flag("data_dir", s_line),
        Etcd2Flag("debug", s_bool),
        Etcd2Flag("discovery", s_line),
        Etcd2Flag("discovery_fallback", s_line),
        Etcd2Flag("discovery_srv", s_line),
        Etcd2Flag("discovery_proxy", s_line),
        Etcd2Flag("election_timeout", s_int),
        Etcd2Flag("enable_pprof", s_bool),
        Etcd2Flag("force_new_cluster", s_bool),
        Etcd2Flag("heartbeat_interval", s_int),
        Etcd2Flag("initial_advertise_peer_urls", s_line),
        Etcd2Flag("initial_cluster", s_line),
        Etcd2Flag("initial_cluster_state", s_line),
        Etcd2Flag("initial_cluster_token", s_line),
        Etcd2Flag("key_file", s_line),
        Etcd2Flag("listen_client_urls", s_line),
        Etcd2Flag("listen_peer_urls", s_line),
        Etcd2Flag("log_package_levels", s_line),
        Etcd2Flag("max_snapshots", s_int),
        Etcd2Flag("max_wals", s_int),
        Etcd2Flag("name", s_line),
        Etcd2Flag("peer_ca_file", s_line, "obsoleted by peer_trusted_ca_file and peer_client_cert_auth"),
        Etcd2Flag("peer_cert_file", s_line),
        Etcd2Flag("peer_key_file", s_line),
        Etcd2Flag("peer_client_cert_auth", s_bool),
        Etcd2Flag("peer_trusted_ca_file", s_line),
        Etcd2Flag("proxy", Pattern("^(on|off|readonly)$")),
        Etcd2Flag("proxy_dial_timeout", s_int),
        Etcd2Flag("proxy_failure_wait", s_int),
        Etcd2Flag("proxy_read_timeout", s_int),
        Etcd2Flag("proxy_refresh_interval", s_int),
        Etcd2Flag("proxy_write_timeout", s_int),
        Etcd2Flag("snapshot_count", s_int),
        Etcd2Flag("strict_reconfig_check", s_bool),
        Etcd2Flag("trusted_ca_file", s_line),
        Etcd2Flag("wal_dir", s_line),
    ]);

    /// <summary>etcd 0.4's flags (<c>coreos.etcd</c>), each as <c>ETCD_&lt;KEY&gt;</c>; etcd2's own flags are deprecated here.</summary>
    public static MapSchema Etcd { get; } = new([
        EtcdV1("addr", s_line),
        EtcdV1("advertise_client_urls", s_line, EtcdV2Only),
        EtcdV1("bind_addr", s_line),
        EtcdV1("ca_file", s_line),
        EtcdV1("cert_file", s_line),
        EtcdV1("cluster_active_size", s_int),
        EtcdV1("cluster_remove_delay", s_float),
        EtcdV1("cluster_sync_interval", s_float),
        EtcdV1("cors", s_line),
        EtcdV1("data_dir", s_line),
        EtcdV1("discovery", s_line),
        EtcdV1("discovery_fallback", s_line, EtcdV2Only),
        EtcdV1("discovery_srv", s_line, EtcdV2Only),
        EtcdV1("discovery_proxy", s_line, EtcdV2Only),
        EtcdV1("election_timeout", s_int, EtcdV2Only),
        EtcdV1("force_new_cluster", s_bool, EtcdV2Only),
        EtcdV1("graphite_host", s_line),
        EtcdV1("heartbeat_interval", s_int, EtcdV2Only),
        EtcdV1("http_read_timeout", s_float),
        EtcdV1("http_write_timeout", s_float),
        EtcdV1("initial_advertise_peer_urls", s_line, EtcdV2Only),
        EtcdV1("initial_cluster", s_line, EtcdV2Only),
        EtcdV1("initial_cluster_state", s_line, EtcdV2Only),
        EtcdV1("initial_cluster_token", s_line, EtcdV2Only),
        EtcdV1("key_file", s_line),
        EtcdV1("listen_client_urls", s_line, EtcdV2Only),
        EtcdV1("listen_peer_urls", s_line, EtcdV2Only),
        EtcdV1("max_result_buffer", s_int),
        EtcdV1("max_retry_attempts", s_int),
        EtcdV1("max_snapshots", s_int, EtcdV2Only),
        EtcdV1("max_wals", s_int, EtcdV2Only),
        EtcdV1("name", s_line),
        EtcdV1("peer_addr", s_line),
        EtcdV1("peer_bind_addr", s_line),
        EtcdV1("peer_ca_file", s_line),
        EtcdV1("peer_cert_file", s_line),
        EtcdV1("peer_election_timeout", s_int),
        EtcdV1("peer_heartbeat_interval", s_int),
        EtcdV1("peer_key_file", s_line),
        EtcdV1("peers", s_line),
        EtcdV1("peers_file", s_line),
        EtcdV1("proxy", s_line, EtcdV2Only),
        EtcdV1("retry_interval", s_float),
        EtcdV1("snapshot", s_bool),
        // etcd 0.4 reads it without the underscore.
        new("snapshot_count", s_int, Env: "ETCD_SNAPSHOTCOUNT"),
        EtcdV1("trace", s_line),
        EtcdV1("verbose", s_bool),
        EtcdV1("very_verbose", s_bool),
        EtcdV1("very_very_verbose", s_bool),
    ]);

    /// <summary>flanneld's settings, each as <c>FLANNELD_&lt;KEY&gt;</c>.</summary>
    public static MapSchema Flannel { get; } = new([
        Prefixed("FLANNELD_", "etcd_endpoints", s_line),
        Prefixed("FLANNELD_", "etcd_cafile", s_line),
        Prefixed("FLANNELD_", "etcd_certfile", s_line),
        Prefixed("FLANNELD_", "etcd_keyfile", s_line),
        Prefixed("FLANNELD_", "etcd_prefix", s_line),
        Prefixed("FLANNELD_", "etcd_username", s_line),
        Prefixed("FLANNELD_", "etcd_password", s_line),
        Prefixed("FLANNELD_", "ip_masq", s_line),
        Prefixed("FLANNELD_", "subnet_file", s_line),
        new("interface", s_line, Env: "FLANNELD_IFACE"),
        Prefixed("FLANNELD_", "public_ip", s_line),
    ]);

    /// <summary>fleet's settings, each as <c>FLEET_&lt;KEY&gt;</c>.</summary>
    public static MapSchema Fleet { get; } = new([
        Prefixed("FLEET_", "agent_ttl", s_line),
        Prefixed("FLEET_", "authorized_keys_file", s_line),
        Prefixed("FLEET_", "disable_engine", s_bool),
        Prefixed("FLEET_", "engine_reconcile_interval", s_float),
        Prefixed("FLEET_", "etcd_cafile", s_line),
        Prefixed("FLEET_", "etcd_certfile", s_line),
        Prefixed("FLEET_", "etcd_keyfile", s_line),
        Prefixed("FLEET_", "etcd_key_prefix", s_line),
        Prefixed("FLEET_", "etcd_request_timeout", s_float),
        Prefixed("FLEET_", "etcd_servers", s_line),
        Prefixed("FLEET_", "etcd_username", s_line),
        Prefixed("FLEET_", "etcd_password", s_line),
        Prefixed("FLEET_", "metadata", s_line),
        Prefixed("FLEET_", "public_ip", s_line),
        Prefixed("FLEET_", "token_limit", s_int),
        Prefixed("FLEET_", "verbosity", s_int),
        Prefixed("FLEET_", "verify_units", s_bool),
    ]);

    /// <summary>The OEM's description, written to /etc/oem-release.</summary>
    public static MapSchema Oem { get; } = new([
        new("id", s_line),
        new("name", s_line),
        new("version_id", s_line),
        new("home_url", s_line),
        new("bug_report_url", s_line),
    ]);

    /// <summary>
    /// The <c>coreos</c> sections written as a runtime drop-in <c>20-cloudinit.conf</c> of a service, one
    /// <c>Environment="KEY=value"</c> per set key, as coreos-cloudinit does.
    /// </summary>
    public static IReadOnlyList<(string Section, MapSchema Schema, string Unit)> ServiceEnvironments { get; } =
    [
        ("etcd", Etcd, "etcd.service"),
        ("etcd2", Etcd2, "etcd2.service"),
        ("flannel", Flannel, "flanneld.service"),
        ("fleet", Fleet, "fleet.service"),
        ("locksmith", Locksmith, "locksmithd.service"),
    ];

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
        new("ssh_authorized_keys", new ListSchema(s_sshKey)),
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
        new("etcd", Etcd),
        new("etcd2", Etcd2),
        new("flannel", Flannel),
        new("fleet", Fleet),
        new("locksmith", Locksmith),
        new("oem", Oem),
        new("update", Update),
        new("units", new ListSchema(Unit)),
    ]);

    public static MapSchema Root { get; } = new([
        new("hostname", s_line),
        new("ssh_authorized_keys", new ListSchema(s_sshKey)),
        new("users", new ListSchema(User)),
        new("write_files", new ListSchema(File)),
        new("manage_etc_hosts", Pattern("^localhost$")),
        new("coreos", CoreOs),
    ]);

    /// <summary>Keys are the same with <c>-</c> or <c>_</c>: <c>reboot-strategy</c> is <c>reboot_strategy</c>.</summary>
    public static string Normalize(string key) => key.Replace('-', '_');

    private const string EtcdV2Only = "etcd2 options no longer work for etcd";

    private static SchemaField EtcdV1(string name, ScalarSchema type, string? deprecated = null) => new(name, type, deprecated, "ETCD_" + name.ToUpperInvariant());

    private static SchemaField Prefixed(string prefix, string name, ScalarSchema type) => new(name, type, Env: prefix + name.ToUpperInvariant());

    private static SchemaField Etcd2Flag(string name, ScalarSchema type, string? deprecated = null) =>
        new(name, type, deprecated, "ETCD_" + name.ToUpperInvariant());

    // Non-backtracking: patterns such as the duration's nested repetition must not be a way to burn CPU.
    private static ScalarSchema Pattern(string pattern) =>
        new(ScalarType.String, new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking), SingleLine: true);
}
