using Keelson.IntegrationTests.Harness;
using Xunit.Abstractions;

namespace Keelson.IntegrationTests;

/// <summary>
/// <c>keelson cloud-config validate | apply</c> as a user runs them: the report's lines and JSON, exit 0 for a clean
/// document and 1 for any finding or failure (with <c>error: ...</c> on stderr), 2 for bad usage.
/// </summary>
public sealed class CloudConfigCommandTests(ITestOutputHelper log)
{
    private const string ClusterMember = """
        #cloud-config
        hostname: etcd-node-2
        coreos:
          etcd2:
            discovery: https://discovery.example.com/9f6c3c0c2d7e4b4f8f0e1a2b3c4d5e6f
            advertise-client-urls: http://$private_ipv4:2379
            initial-advertise-peer-urls: http://$private_ipv4:2380
            listen-client-urls: http://0.0.0.0:2379
            listen-peer-urls: http://$private_ipv4:2380
          update:
            reboot-strategy: etcd-lock
            group: stable
            server: https://updates.example.com/v1/update/
          locksmith:
            endpoint: http://127.0.0.1:2379
            window-start: Sun 03:00
            window-length: 2h
          units:
            - name: etcd2.service
              command: start

        """;

    private static readonly Dictionary<string, string?> s_addresses = new()
    {
        ["COREOS_PRIVATE_IPV4"] = "10.0.0.12",
        ["COREOS_PUBLIC_IPV4"] = "203.0.113.12",
    };

    [Fact]
    public async Task Validate_prints_nothing_and_exits_0_for_a_clean_document()
    {
        await using var keelson = new KeelsonProcess(log);
        var file = Write(keelson, "clean.yml", ClusterMember);

        var result = await keelson.RunAsync(["cloud-config", "validate", file], s_addresses);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Empty(result.StandardOutput);
        Assert.Empty(result.StandardError);
    }

    [Fact]
    public async Task Validate_prints_one_line_per_finding_and_exits_1()
    {
        await using var keelson = new KeelsonProcess(log);
        var file = Write(keelson, "bad.yml", """
            #cloud-config
            coreos:
              update:
                reboot-strategy: sometimes
              units:
                - name: etcd2.service
                  enable: "true"
              write-files:
                - path: /etc/a
            write_files:
              - path: /usr/bin/tool
                encoding: base64
                content: "not base64!"
            fleet:
              metadata: role=web

            """);

        var result = await keelson.RunAsync("cloud-config", "validate", file);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal(
            """
            line 4: error: invalid value sometimes
            line 7: warning: incorrect type for "coreos.units[0].enable" (want bool)
            line 8: warning: unrecognized key "write_files"
            line 8: info: write_files doesn't belong under coreos
            line 11: error: file cannot be written to a read-only filesystem
            line 13: error: content cannot be decoded as "base64"
            line 14: warning: unrecognized key "fleet"

            """, result.StandardOutput);
        Assert.Empty(result.StandardError);
    }

    [Fact]
    public async Task Validate_json_prints_kind_line_and_message()
    {
        await using var keelson = new KeelsonProcess(log);
        var file = Write(keelson, "bad.yml", "#cloud-config\nhostname: a\n  nested: b\ncoreos: {}\n");

        var result = await keelson.RunAsync("cloud-config", "validate", file, "--json");

        Assert.True(result.ExitCode == 1, result.ToString());
        var entry = Assert.Single(Json.Parse(result.StandardOutput).EnumerateArray());
        Assert.Equal("error", entry.GetProperty("kind").GetString());
        Assert.Equal(3, entry.GetProperty("line").GetInt32());
        Assert.False(string.IsNullOrEmpty(entry.GetProperty("message").GetString()));
        Assert.Equal(["kind", "line", "message"], entry.EnumerateObject().Select(p => p.Name));

        var clean = await keelson.RunAsync("cloud-config", "validate", Write(keelson, "clean.yml", "#cloud-config\nhostname: a\n"), "--json");
        Assert.True(clean.ExitCode == 0, clean.ToString());
        Assert.Empty(Json.Parse(clean.StandardOutput).EnumerateArray());
    }

    [Fact]
    public async Task Validate_reports_a_file_that_is_not_a_cloud_config_at_line_1()
    {
        await using var keelson = new KeelsonProcess(log);
        var file = Write(keelson, "user-data", "hostname: a\n");

        var result = await keelson.RunAsync("cloud-config", "validate", file);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal("line 1: error: must be \"#cloud-config\" or begin with \"#!\"\n", result.StandardOutput);
    }

    [Fact]
    public async Task A_missing_file_exits_1_and_a_missing_argument_or_root_exits_2()
    {
        await using var keelson = new KeelsonProcess(log);

        var missing = await keelson.RunAsync("cloud-config", "validate", keelson.PathOf("nowhere.yml"));
        Assert.True(missing.ExitCode == 1, missing.ToString());
        Assert.StartsWith("error: cannot read " + keelson.PathOf("nowhere.yml"), missing.StandardError, StringComparison.Ordinal);

        var noFile = await keelson.RunAsync("cloud-config", "validate");
        Assert.True(noFile.ExitCode == 2, noFile.ToString());

        var noRoot = await keelson.RunAsync("cloud-config", "apply", Write(keelson, "a.yml", "#cloud-config\n"));
        Assert.True(noRoot.ExitCode == 2, noRoot.ToString());
        Assert.Contains("--root", noRoot.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_writes_into_the_root_prints_what_it_wrote_and_a_second_apply_changes_nothing()
    {
        await using var keelson = new KeelsonProcess(log);
        var file = Write(keelson, "member.yml", ClusterMember);
        var root = Directory.CreateDirectory(keelson.PathOf("root")).FullName;
        Directory.CreateDirectory(Path.Join(root, "usr/share/coreos"));
        File.WriteAllText(Path.Join(root, "usr/share/coreos/update.conf"), "GROUP=stable\nSERVER=https://public.example.com/v1/update/\n");

        var result = await keelson.RunAsync(["cloud-config", "apply", file, "--root", root], s_addresses);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(
            """
            wrote /etc/hostname (0644)
            wrote /etc/coreos/update.conf (0644)
            wrote /etc/keelson/locks.conf (0600)
            wrote /run/systemd/system/etcd2.service.d/20-cloudinit.conf (0644)
            wrote /run/systemd/system/locksmithd.service.d/20-cloudinit.conf (0644)
            note: not run: systemctl start etcd2.service (apply writes files only)
            note: not run: systemctl restart locksmithd.service (apply writes files only)
            note: not run: systemctl restart update-engine.service (apply writes files only)

            """, result.StandardOutput);
        Assert.Equal("GROUP=stable\nSERVER=https://updates.example.com/v1/update/\nREBOOT_STRATEGY=etcd-lock\nREBOOT_WINDOW_LENGTH=2h\nREBOOT_WINDOW_START=Sun 03:00\n",
            File.ReadAllText(Path.Join(root, "etc/coreos/update.conf")));
        Assert.Contains("Environment=\"ETCD_ADVERTISE_CLIENT_URLS=http://10.0.0.12:2379\"\n",
            File.ReadAllText(Path.Join(root, "run/systemd/system/etcd2.service.d/20-cloudinit.conf")), StringComparison.Ordinal);

        var again = await keelson.RunAsync(["cloud-config", "apply", file, "--root", root], s_addresses);

        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.All(again.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("note: ", StringComparison.Ordinal)),
            line => Assert.StartsWith("unchanged ", line, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Apply_refuses_an_invalid_document_with_its_report_and_writes_nothing()
    {
        await using var keelson = new KeelsonProcess(log);
        var file = Write(keelson, "bad.yml", "#cloud-config\nhostname: node-1\ncoreos:\n  update:\n    reboot-strategy: sometimes\nextra: 1\n");
        var root = Directory.CreateDirectory(keelson.PathOf("root")).FullName;

        var result = await keelson.RunAsync("cloud-config", "apply", file, "--root", root);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal($"line 5: error: invalid value sometimes\nline 6: warning: unrecognized key \"extra\"\nerror: {file} is not a valid cloud-config; nothing was written\n",
            result.StandardError);
        Assert.Empty(result.StandardOutput);
        Assert.Empty(Directory.EnumerateFileSystemEntries(root));
    }

    [Fact]
    public async Task Apply_refuses_paths_that_leave_the_root_and_writes_nothing()
    {
        await using var keelson = new KeelsonProcess(log);
        var outside = Directory.CreateDirectory(keelson.PathOf("outside")).FullName;
        var root = Directory.CreateDirectory(keelson.PathOf("root")).FullName;
        Directory.CreateDirectory(Path.Join(root, "var"));
        File.CreateSymbolicLink(Path.Join(root, "var/lib"), outside);
        var file = Write(keelson, "escape.yml", """
            #cloud-config
            hostname: node-1
            write_files:
              - path: ../../../../etc/cron.d/evil
                content: "* * * * * root true"
              - path: /var/lib/app/config
                content: x

            """);

        var result = await keelson.RunAsync("cloud-config", "apply", file, "--root", root);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal(
            $"""
            error: nothing was written:
            refusing write_files path '../../../../etc/cron.d/evil': it climbs out of the root
            refusing /var/lib/app/config: /var/lib is a symbolic link to {outside}, outside the root {root}

            """, result.StandardError);
        Assert.Empty(Directory.EnumerateFileSystemEntries(outside));
        Assert.Equal([Path.Join(root, "var")], Directory.EnumerateFileSystemEntries(root));
    }

    [Fact]
    public async Task Apply_refuses_a_script()
    {
        await using var keelson = new KeelsonProcess(log);
        var root = Directory.CreateDirectory(keelson.PathOf("root")).FullName;

        var result = await keelson.RunAsync("cloud-config", "apply", Write(keelson, "script.sh", "#!/bin/sh\ntouch /tmp/x\n"), "--root", root);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal("error: this is a script (#!), not a cloud-config; Keelson applies cloud-configs only\n", result.StandardError);
    }

    private static string Write(KeelsonProcess keelson, string name, string content)
    {
        var path = keelson.PathOf(name);
        File.WriteAllText(path, content);
        return path;
    }
}
