using System.Net;
using System.Net.Sockets;
using Keelson.IntegrationTests.Harness;
using Xunit.Abstractions;

namespace Keelson.IntegrationTests;

/// <summary>
/// <c>keelson lock status | lock | unlock | set-max</c>, the real executable against a real etcd 3.4 on loopback:
/// locksmithctl's output line for line, its refusals as errors with exit 1 in its words, groups, locksmithctl's flag
/// spellings and environment variables, password authentication, TLS with client certificates, and an etcd that is
/// not there.
/// </summary>
public sealed class LockCommandTests(ITestOutputHelper log)
{
    private const string DefaultKey = "coreos.com/updateengine/rebootlock/semaphore";

    /// <summary>locksmithctl's variables, cleared so that the machine's own do not leak into a test.</summary>
    private static readonly Dictionary<string, string?> s_noLocksmithEnvironment = new()
    {
        ["LOCKSMITHCTL_ENDPOINT"] = null,
        ["LOCKSMITHCTL_GROUP"] = null,
        ["LOCKSMITHCTL_ETCD_CAFILE"] = null,
        ["LOCKSMITHCTL_ETCD_CERTFILE"] = null,
        ["LOCKSMITHCTL_ETCD_KEYFILE"] = null,
        ["LOCKSMITHCTL_ETCD_USERNAME"] = null,
        ["LOCKSMITHCTL_ETCD_PASSWORD"] = null,
    };

    [Fact]
    public async Task Status_creates_the_semaphore_and_prints_it_as_locksmithctl_does()
    {
        await using var etcd = await EtcdCluster.StartStaticAsync(1, log);
        await using var keelson = new KeelsonProcess(log);

        var status = await SucceedAsync(keelson, etcd, "status");

        Assert.Equal("Available: 1\nMax: 1\n", status.StandardOutput);
        Assert.Equal("", status.StandardError);
        Assert.Equal("""{"semaphore":1,"max":1,"holders":null}""", await ValueAsync(etcd, DefaultKey));
    }

    [Fact]
    public async Task Set_max_prints_what_locksmithctl_prints_and_lock_and_unlock_say_what_they_did()
    {
        await using var etcd = await EtcdCluster.StartStaticAsync(1, log);
        await using var keelson = new KeelsonProcess(log);

        var setMax = await SucceedAsync(keelson, etcd, "set-max", "3");
        var lock2 = await SucceedAsync(keelson, etcd, "lock", "m2");
        var lock1 = await SucceedAsync(keelson, etcd, "lock", "m1");
        var held = await SucceedAsync(keelson, etcd, "status");

        Assert.Equal("Old-Max: 1\nMax: 3\n", setMax.StandardOutput);
        // locksmithctl prints nothing here; a person sees what changed.
        Assert.Equal("locked: m2 holds a slot of the default group (1 of 3 slots held: m2)\n", lock2.StandardOutput);
        Assert.Equal("locked: m1 holds a slot of the default group (2 of 3 slots held: m1, m2)\n", lock1.StandardOutput);
        Assert.Equal("Available: 1\nMax: 3\n\nMACHINE ID\nm1\nm2\n", held.StandardOutput);
        Assert.Equal("""{"semaphore":1,"max":3,"holders":["m1","m2"]}""", await ValueAsync(etcd, DefaultKey));

        var unlock = await SucceedAsync(keelson, etcd, "unlock", "m1");
        var lowered = await SucceedAsync(keelson, etcd, "set-max", "0");
        var after = await SucceedAsync(keelson, etcd, "status");

        Assert.Equal("unlocked: m1 released its slot of the default group (1 of 3 slots held: m2)\n", unlock.StandardOutput);
        Assert.Equal("Old-Max: 3\nMax: 0\n", lowered.StandardOutput);
        Assert.Equal("Available: -1\nMax: 0\n\nMACHINE ID\nm2\n", after.StandardOutput);
        Assert.Equal("""{"semaphore":-1,"max":0,"holders":["m2"]}""", await ValueAsync(etcd, DefaultKey));
    }

    [Fact]
    public async Task Locksmiths_refusals_are_errors_with_exit_1_and_change_nothing()
    {
        await using var etcd = await EtcdCluster.StartStaticAsync(1, log);
        await using var keelson = new KeelsonProcess(log);
        await SucceedAsync(keelson, etcd, "lock", "m1");

        var full = await RunAsync(keelson, etcd, "lock", "m2");
        var again = await RunAsync(keelson, etcd, "lock", "m1");
        await SucceedAsync(keelson, etcd, "set-max", "2");
        var held = await RunAsync(keelson, etcd, "lock", "m1");
        var notHeld = await RunAsync(keelson, etcd, "unlock", "m3");

        // locksmithctl's words first (a script may grep for them), Keelson's explanation after them.
        Assert.Equal((1, "", "error: Error locking: semaphore is at 0 (m2 gets no slot: the only slot is held: m1)\n"), (full.ExitCode, full.StandardOutput, full.StandardError));
        // Full is checked first, as locksmith does.
        Assert.Equal("error: Error locking: semaphore is at 0 (m1 gets no slot: the only slot is held: m1)\n", again.StandardError);
        Assert.Equal((1, "error: Error locking: holder exists (m1 already holds a slot)\n"), (held.ExitCode, held.StandardError));
        Assert.Equal((1, "error: Error unlocking: holder does not exist (m3 holds no slot)\n"), (notHeld.ExitCode, notHeld.StandardError));
        Assert.Equal("""{"semaphore":1,"max":2,"holders":["m1"]}""", await ValueAsync(etcd, DefaultKey));
    }

    [Fact]
    public async Task Bad_usage_exits_2_before_etcd_is_asked()
    {
        await using var keelson = new KeelsonProcess(log);
        // Nothing listens there: a command that got as far as etcd would fail with exit 1, not 2.
        var nowhere = $"http://127.0.0.1:{LoopbackPorts.Next()}";

        foreach (var arguments in new[]
        {
            new[] { "lock", "--endpoints", nowhere, "set-max", "two" },
            ["lock", "--endpoints", nowhere, "set-max", "-1"],
            ["lock", "--endpoints", nowhere, "set-max"],
            ["lock", "--endpoints", "ftp://127.0.0.1:2379", "status"],
            ["lock", "--endpoints", nowhere, "lock", ""],
            ["lock", "--endpoints", nowhere],
        })
        {
            var result = await keelson.RunAsync(arguments);
            Assert.True(result.ExitCode == 2, result.ToString());
            Assert.StartsWith("error: ", result.StandardError, StringComparison.Ordinal);
        }

        var bad = await keelson.RunAsync("lock", "--endpoints", nowhere, "set-max", "two");
        Assert.Contains("error: Invalid maximum value: two (set-max takes a number of slots", bad.StandardError, StringComparison.Ordinal);
        var scheme = await keelson.RunAsync("lock", "--endpoints", "ftp://127.0.0.1:2379", "status");
        Assert.Contains("--endpoints 'ftp://127.0.0.1:2379' is not an etcd client URL", scheme.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_an_id_the_machine_id_of_this_machine_is_used()
    {
        await using var etcd = await EtcdCluster.StartStaticAsync(1, log);
        await using var keelson = new KeelsonProcess(log);

        var locked = await RunAsync(keelson, etcd, "lock");

        if (File.Exists("/etc/machine-id") && (await File.ReadAllTextAsync("/etc/machine-id")).Trim() is { Length: > 0 } machineId)
        {
            Assert.True(locked.ExitCode == 0, locked.ToString());
            Assert.Equal($"Available: 0\nMax: 1\n\nMACHINE ID\n{machineId}\n", (await SucceedAsync(keelson, etcd, "status")).StandardOutput);
            await SucceedAsync(keelson, etcd, "unlock");
            Assert.Equal("Available: 1\nMax: 1\n", (await SucceedAsync(keelson, etcd, "status")).StandardOutput);
        }
        else
        {
            Assert.Equal(1, locked.ExitCode);
            Assert.StartsWith("error: Cannot read machine-id (", locked.StandardError, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_group_is_its_own_semaphore_also_from_the_environment()
    {
        await using var etcd = await EtcdCluster.StartStaticAsync(1, log);
        await using var keelson = new KeelsonProcess(log);

        var locked = await SucceedAsync(keelson, etcd, "--group", "db servers/eu", "lock", "m1");
        var fromEnvironment = await keelson.RunAsync(
            ["lock", "status"],
            new Dictionary<string, string?> { ["LOCKSMITHCTL_ENDPOINT"] = etcd.Endpoints, ["LOCKSMITHCTL_GROUP"] = "db servers/eu" });
        var defaultGroup = await SucceedAsync(keelson, etcd, "status");

        Assert.Equal("locked: m1 holds a slot of group 'db servers/eu' (1 of 1 slot held: m1)\n", locked.StandardOutput);
        Assert.True(fromEnvironment.ExitCode == 0, fromEnvironment.ToString());
        Assert.Equal("Available: 0\nMax: 1\n\nMACHINE ID\nm1\n", fromEnvironment.StandardOutput);
        Assert.Equal("Available: 1\nMax: 1\n", defaultGroup.StandardOutput);
        Assert.Equal(
            """{"semaphore":0,"max":1,"holders":["m1"]}""",
            await ValueAsync(etcd, "coreos.com/updateengine/rebootlock/groups/db+servers%2Feu/semaphore"));
    }

    [Fact]
    public async Task Every_endpoint_is_tried_and_the_flag_wins_over_the_environment()
    {
        await using var etcd = await EtcdCluster.StartStaticAsync(1, log);
        await using var keelson = new KeelsonProcess(log);
        var nowhere = $"http://127.0.0.1:{LoopbackPorts.Next()}";

        var failover = await keelson.RunAsync(
            ["lock", "--endpoints", $"{nowhere},{etcd.Endpoints}", "status"],
            new Dictionary<string, string?> { ["LOCKSMITHCTL_ENDPOINT"] = nowhere });

        Assert.True(failover.ExitCode == 0, failover.ToString());
        Assert.Equal("Available: 1\nMax: 1\n", failover.StandardOutput);
    }

    [Fact]
    public async Task An_etcd_that_refuses_connections_is_unreachable_and_exits_1()
    {
        await using var keelson = new KeelsonProcess(log);
        var nowhere = $"http://127.0.0.1:{LoopbackPorts.Next()}";

        var result = await keelson.RunAsync("lock", "--endpoints", nowhere, "lock", "m1");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"error: Error locking: etcd at {nowhere} is unreachable (", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("refused", result.StandardError, StringComparison.OrdinalIgnoreCase);
        // Each command in locksmithctl's words for it; status has none a script could rely on.
        var unlock = await keelson.RunAsync("lock", "--endpoints", nowhere, "unlock", "m1");
        var setMax = await keelson.RunAsync("lock", "--endpoints", nowhere, "set-max", "2");
        var status = await keelson.RunAsync("lock", "--endpoints", nowhere, "status");
        Assert.StartsWith($"error: Error unlocking: etcd at {nowhere} is unreachable (", unlock.StandardError, StringComparison.Ordinal);
        Assert.StartsWith($"error: Error setting value: etcd at {nowhere} is unreachable (", setMax.StandardError, StringComparison.Ordinal);
        Assert.StartsWith($"error: etcd at {nowhere} is unreachable (", status.StandardError, StringComparison.Ordinal);
        Assert.All(new[] { unlock, setMax, status }, r => Assert.Equal(1, r.ExitCode));
    }

    [Fact]
    public async Task An_etcd_that_never_answers_is_unreachable_after_the_5s_deadline()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var endpoint = $"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}";
        await using var keelson = new KeelsonProcess(log);

        var result = await keelson.RunAsync(["lock", "--endpoints", endpoint, "status"], environment: null, timeout: TimeSpan.FromSeconds(60));

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"error: etcd at {endpoint} is unreachable (no answer within 5s)\n", result.StandardError);
        Assert.InRange(result.Elapsed, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task With_etcd_auth_enabled_the_user_and_password_are_needed()
    {
        await using var etcd = await EtcdCluster.StartStaticAsync(1, log);
        await etcd.EtcdctlSucceedAsync("user", "add", "root:root-secret");
        await etcd.EtcdctlSucceedAsync("auth", "enable");
        await using var keelson = new KeelsonProcess(log);

        var anonymous = await RunAsync(keelson, etcd, "status");
        var wrong = await RunAsync(keelson, etcd, "--etcd-username", "root", "--etcd-password", "nope", "status");
        var flags = await RunAsync(keelson, etcd, "--etcd-username", "root", "--etcd-password", "root-secret", "lock", "m1");
        var environment = await keelson.RunAsync(
            ["lock", "--endpoints", etcd.Endpoints, "status"],
            new Dictionary<string, string?> { ["LOCKSMITHCTL_ETCD_USERNAME"] = "root", ["LOCKSMITHCTL_ETCD_PASSWORD"] = "root-secret" });

        Assert.Equal(1, anonymous.ExitCode);
        Assert.StartsWith($"error: etcd at {etcd.Endpoints} requires authentication", anonymous.StandardError, StringComparison.Ordinal);
        Assert.Equal(1, wrong.ExitCode);
        Assert.Equal(
            $"error: etcd at {etcd.Endpoints} refused the user name and password of 'root': etcdserver: authentication failed, invalid user ID or password\n",
            wrong.StandardError);
        Assert.True(flags.ExitCode == 0, flags.ToString());
        Assert.True(environment.ExitCode == 0, environment.ToString());
        Assert.Equal("Available: 0\nMax: 1\n\nMACHINE ID\nm1\n", environment.StandardOutput);
        var stored = await etcd.EtcdctlSucceedAsync("--user=root:root-secret", "get", DefaultKey, "--print-value-only");
        Assert.Equal("""{"semaphore":0,"max":1,"holders":["m1"]}""" + "\n", stored.StandardOutput);
    }

    [Fact]
    public async Task Over_tls_etcd_is_trusted_through_the_ca_file_and_shown_the_client_certificate()
    {
        await using var etcd = await EtcdCluster.StartTlsAsync(1, log);
        var tls = etcd.Tls!;
        await using var keelson = new KeelsonProcess(log);
        string[] secure = ["--etcd-cafile", tls.CaFile, "--etcd-certfile", tls.ClientCertFile, "--etcd-keyfile", tls.ClientKeyFile];
        Assert.StartsWith("https://127.0.0.1:", etcd.Endpoints, StringComparison.Ordinal);

        var locked = await RunAsync(keelson, etcd, [.. secure, "lock", "m1"]);
        // locksmithctl's spellings of the same flags.
        var oneDash = await RunAsync(keelson, etcd, $"-etcd-cafile={tls.CaFile}", "-etcd-certfile", tls.ClientCertFile, $"-etcd-keyfile={tls.ClientKeyFile}", "status");
        var status = await RunAsync(keelson, etcd, [.. secure, "status"]);
        var fromEnvironment = await keelson.RunAsync(
            ["lock", "status"],
            new Dictionary<string, string?>
            {
                ["LOCKSMITHCTL_ENDPOINT"] = etcd.Endpoints,
                ["LOCKSMITHCTL_ETCD_CAFILE"] = tls.CaFile,
                ["LOCKSMITHCTL_ETCD_CERTFILE"] = tls.ClientCertFile,
                ["LOCKSMITHCTL_ETCD_KEYFILE"] = tls.ClientKeyFile,
            });

        Assert.True(locked.ExitCode == 0, locked.ToString());
        Assert.Equal("Available: 0\nMax: 1\n\nMACHINE ID\nm1\n", status.StandardOutput);
        Assert.Equal(status.StandardOutput, fromEnvironment.StandardOutput);
        Assert.Equal(status.StandardOutput, oneDash.StandardOutput);
        Assert.Equal("""{"semaphore":0,"max":1,"holders":["m1"]}""", await ValueAsync(etcd, DefaultKey));
    }

    [Fact]
    public async Task Over_tls_a_server_from_another_ca_or_a_missing_client_certificate_is_refused()
    {
        await using var etcd = await EtcdCluster.StartTlsAsync(1, log);
        var tls = etcd.Tls!;
        await using var keelson = new KeelsonProcess(log);
        var stranger = EtcdMember.TlsFiles.Create(keelson.PathOf("other-ca"));

        var otherCa = await RunAsync(keelson, etcd, "--etcd-cafile", stranger.CaFile, "--etcd-certfile", tls.ClientCertFile, "--etcd-keyfile", tls.ClientKeyFile, "status");
        var noClientCertificate = await RunAsync(keelson, etcd, "--etcd-cafile", tls.CaFile, "status");
        var strangersCertificate = await RunAsync(keelson, etcd, "--etcd-cafile", tls.CaFile, "--etcd-certfile", stranger.ClientCertFile, "--etcd-keyfile", stranger.ClientKeyFile, "status");

        Assert.Equal(1, otherCa.ExitCode);
        Assert.StartsWith($"error: etcd at {etcd.Endpoints} is unreachable (the TLS handshake failed: ", otherCa.StandardError, StringComparison.Ordinal);
        Assert.Equal(1, noClientCertificate.ExitCode);
        Assert.StartsWith($"error: etcd at {etcd.Endpoints} is unreachable (", noClientCertificate.StandardError, StringComparison.Ordinal);
        Assert.Contains("--client-cert-auth", noClientCertificate.StandardError, StringComparison.Ordinal);
        Assert.Equal(1, strangersCertificate.ExitCode);
        Assert.Equal(noClientCertificate.StandardError, strangersCertificate.StandardError);
        // Nothing got through: the semaphore was never created.
        Assert.Equal("", await ValueAsync(etcd, DefaultKey));
    }

    [Fact]
    public async Task Bad_tls_files_are_named_in_the_error()
    {
        await using var keelson = new KeelsonProcess(log);
        var missing = keelson.PathOf("missing-ca.pem");
        var notPem = keelson.PathOf("not-pem.pem");
        await File.WriteAllTextAsync(notPem, "hello");
        var endpoint = $"https://127.0.0.1:{LoopbackPorts.Next()}";

        var noCa = await keelson.RunAsync("lock", "--endpoints", endpoint, "--etcd-cafile", missing, "status");
        var garbageCa = await keelson.RunAsync("lock", "--endpoints", endpoint, "--etcd-cafile", notPem, "status");
        var certOnly = await keelson.RunAsync("lock", "--endpoints", endpoint, "--etcd-certfile", notPem, "status");
        var badPair = await keelson.RunAsync("lock", "--endpoints", endpoint, "--etcd-certfile", notPem, "--etcd-keyfile", notPem, "status");

        Assert.Equal(1, noCa.ExitCode);
        Assert.StartsWith($"error: Error initializing etcd client: cannot read the etcd CA file '{missing}': ", noCa.StandardError, StringComparison.Ordinal);
        Assert.Equal($"error: Error initializing etcd client: the etcd CA file '{notPem}' holds no PEM certificate\n", garbageCa.StandardError);
        Assert.Equal($"error: Error initializing etcd client: the etcd client certificate file '{notPem}' was given without its key file\n", certOnly.StandardError);
        Assert.StartsWith($"error: Error initializing etcd client: cannot load the etcd client certificate '{notPem}' with the key '{notPem}': ", badPair.StandardError, StringComparison.Ordinal);
        Assert.All(new[] { garbageCa, certOnly, badPair }, r => Assert.Equal(1, r.ExitCode));
    }

    [Fact]
    public async Task Locksmithctls_flag_spellings_reach_the_same_semaphore()
    {
        await using var etcd = await EtcdCluster.StartStaticAsync(1, log);
        await using var keelson = new KeelsonProcess(log);
        var nowhere = $"http://127.0.0.1:{LoopbackPorts.Next()}";

        // As a locksmithctl script types it: one dash, '=' or a space, -endpoint repeated (the first one is down).
        var locked = await keelson.RunAsync(
            ["lock", "-endpoint", nowhere, $"-endpoint={etcd.Endpoints}", "-group=workers", "lock", "m1"], s_noLocksmithEnvironment);
        var full = await keelson.RunAsync(["lock", $"--endpoint={etcd.Endpoints}", "--group", "workers", "lock", "m2"], s_noLocksmithEnvironment);
        var status = await SucceedAsync(keelson, etcd, "--group", "workers", "status");
        var unlocked = await keelson.RunAsync(["lock", "-endpoint", etcd.Endpoints, "-group", "workers", "unlock", "m1"], s_noLocksmithEnvironment);

        Assert.True(locked.ExitCode == 0, locked.ToString());
        Assert.Equal((1, "error: Error locking: semaphore is at 0 (m2 gets no slot: the only slot is held: m1)\n"), (full.ExitCode, full.StandardError));
        Assert.Equal("Available: 0\nMax: 1\n\nMACHINE ID\nm1\n", status.StandardOutput);
        Assert.True(unlocked.ExitCode == 0, unlocked.ToString());
        Assert.Equal("""{"semaphore":1,"max":1,"holders":[]}""", await ValueAsync(etcd, "coreos.com/updateengine/rebootlock/groups/workers/semaphore"));
    }

    [Fact]
    public async Task A_locksmithctl_flag_keelson_has_no_option_for_is_bad_usage_not_ignored()
    {
        await using var keelson = new KeelsonProcess(log);

        var debug = await keelson.RunAsync(["lock", "-debug", "-endpoint", $"http://127.0.0.1:{LoopbackPorts.Next()}", "status"], s_noLocksmithEnvironment);

        Assert.Equal(2, debug.ExitCode);
        Assert.StartsWith("error: '-debug' is not an option of 'keelson lock'", debug.StandardError, StringComparison.Ordinal);
    }

    /// <summary><c>keelson lock --endpoints ETCD ARGS</c> without locksmithctl's variables.</summary>
    private static Task<ProcessResult> RunAsync(KeelsonProcess keelson, EtcdCluster etcd, params string[] arguments) =>
        keelson.RunAsync(["lock", "--endpoints", etcd.Endpoints, .. arguments], s_noLocksmithEnvironment);

    private static async Task<ProcessResult> SucceedAsync(KeelsonProcess keelson, EtcdCluster etcd, params string[] arguments)
    {
        var result = await RunAsync(keelson, etcd, arguments);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }

    private static async Task<string> ValueAsync(EtcdCluster etcd, string key)
    {
        var result = await etcd.EtcdctlAsync(["get", key, "--print-value-only"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.StandardOutput.TrimEnd('\n');
    }
}
