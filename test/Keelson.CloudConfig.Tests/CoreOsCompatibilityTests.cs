using Microsoft.Extensions.Time.Testing;

namespace Keelson.CloudConfig.Tests;

/// <summary>
/// Documents of the CoreOS world that coreos-cloudinit takes and Keelson must take the same way (issue 15): merge keys,
/// gzip-compressed user-data, Ignition configs, the etcd/flannel/fleet/oem sections, undecodable content, SSH keys
/// with line breaks and messages about very long values. Each case reads its sample in test/samples/cloud-config.
/// </summary>
public sealed class CoreOsCompatibilityTests
{
    private static readonly string s_samples = Path.Combine(AppContext.BaseDirectory, "samples", "cloud-config");

    [Fact]
    public async Task Merge_keys_are_merged_own_keys_winning_and_earlier_maps_of_a_list_first()
    {
        using var root = TestRoot.Flatcar();
        var document = await LoadAsync("merge-keys.yml");

        var result = Apply(document, root);

        Assert.Equal(["line 3: warning: unrecognized key \"x_defaults\""], document.Report.Entries.Select(e => e.ToString()));
        Assert.Contains("not run: systemctl restart web.service (apply writes files only)", result.Notes);
        Assert.Contains("not run: systemctl stop batch.service (apply writes files only)", result.Notes);
        Assert.Contains("not run: systemctl start probe.service (apply writes files only)", result.Notes);
        Assert.StartsWith("[Unit]\nDescription=Web front end\n", root.Read("/etc/systemd/system/web.service"), StringComparison.Ordinal);
        Assert.True(root.Exists("/etc/systemd/system/multi-user.target.wants/web.service"));
        Assert.True(root.Exists("/etc/systemd/system/batch.service"));
        Assert.False(root.Exists("/etc/systemd/system/multi-user.target.wants/batch.service"));
        Assert.True(root.Exists("/run/systemd/system/probe.service"));
        Assert.True(root.Exists("/run/systemd/system/multi-user.target.wants/probe.service"));
    }

    [Fact]
    public async Task A_merge_key_whose_value_is_not_a_mapping_is_an_error_at_its_line()
    {
        var document = await LoadAsync("merge-key-not-a-mapping.yml");

        Assert.Equal(["line 7: error: the value of a merge key (<<) must be a mapping or a list of mappings"], Lines(document));
    }

    [Fact]
    public async Task Merge_keys_do_not_get_past_the_node_limit()
    {
        var document = await LoadAsync("merge-key-laughs.yml");

        Assert.Equal([$"line 7: error: the document expands to more than {100_000} YAML nodes (aliases repeating aliases?)"], Lines(document));
    }

    [Fact]
    public async Task Merge_keys_do_not_get_past_the_depth_limit()
    {
        var document = await LoadAsync("merge-key-deep.yml");

        Assert.Equal(["line 83: error: the document nests deeper than 64 levels (through the alias *deep)"], Lines(document));
    }

    [Fact]
    public void A_quoted_merge_key_is_an_ordinary_key()
    {
        var document = CloudConfigDocument.Parse("#cloud-config\nx: &x {hostname: a}\ncoreos:\n  \"<<\": *x\n", IpSubstitutions.None);

        Assert.Equal(["line 2: warning: unrecognized key \"x\"", "line 4: warning: unrecognized key \"<<\""], Lines(document));
    }

    [Fact]
    public async Task Gzip_compressed_user_data_is_decompressed_and_then_validated_and_applied()
    {
        using var root = TestRoot.Flatcar();
        var document = await LoadAsync("gzip-user-data.yml.gz");

        Apply(document, root);

        Assert.Equal(DocumentKind.CloudConfig, document.Kind);
        Assert.Empty(document.Report.Entries);
        Assert.Equal("compressed-node\n", root.Read("/etc/hostname"));
        Assert.Contains("REBOOT_STRATEGY=etcd-lock\n", root.Read("/etc/coreos/update.conf"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gzip_user_data_that_decompresses_past_the_size_limit_is_refused_with_a_clear_error()
    {
        var document = await LoadAsync("gzip-bomb.yml.gz");

        Assert.Equal(DocumentKind.Unknown, document.Kind);
        Assert.Equal(["line 1: error: the document is gzip-compressed and decompresses to more than 1 MiB; refused (a cloud-config is a few kilobytes)"], Lines(document));
        Assert.Equal(
            ["line 1: error: the document starts as gzip data (1f 8b) but cannot be decompressed"],
            Lines(CloudConfigDocument.Parse([0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02], IpSubstitutions.None)));
    }

    [Theory]
    [InlineData("ignition-v1.json", "an Ignition config (version 1)")]
    [InlineData("ignition-v2.json", "an Ignition config (version 2.2.0)")]
    public async Task Ignition_configs_are_recognised_and_skipped_with_nothing_applied(string sample, string what)
    {
        using var root = TestRoot.Flatcar();
        var before = TreeSnapshot.Take(root.Path);
        var document = await LoadAsync(sample);

        var result = Apply(document, root);

        Assert.Equal(DocumentKind.Ignition, document.Kind);
        Assert.Empty(document.Report.Entries);
        Assert.StartsWith(what + ", not a cloud-config", document.Notice, StringComparison.Ordinal);
        Assert.Empty(result.Changes);
        Assert.Equal([document.Notice!], result.Notes);
        TreeSnapshot.Take(root.Path).AssertEqual(before);
    }

    [Theory]
    [InlineData("{\"ignition\": {\"version\": 2}}")]
    [InlineData("{\"ignitionVersion\": \"1\"}")]
    [InlineData("{\"storage\": {}}")]
    [InlineData("[1, 2]")]
    public void Json_without_an_ignition_version_of_the_right_type_is_not_ignition(string text)
    {
        var document = CloudConfigDocument.Parse(text, IpSubstitutions.None);

        Assert.Equal(DocumentKind.Unknown, document.Kind);
        Assert.Equal(["line 1: error: must be \"#cloud-config\" or begin with \"#!\""], Lines(document));
    }

    [Fact]
    public async Task Etcd_flannel_fleet_and_oem_are_applied_as_coreos_cloudinit_writes_them()
    {
        using var root = TestRoot.Flatcar();
        var document = await LoadAsync("coreos-services.yml");

        Apply(document, root);

        Assert.Empty(document.Report.Entries);
        Assert.Equal(
            "[Service]\nEnvironment=\"ETCD_ADDR=10.0.0.11:4001\"\nEnvironment=\"ETCD_CLUSTER_REMOVE_DELAY=1800.5\"\n"
            + "Environment=\"ETCD_DISCOVERY=https://discovery.example.com/5d2f1e0c8a9b4c3d\"\nEnvironment=\"ETCD_NAME=node-1\"\n"
            + "Environment=\"ETCD_PEER_ADDR=10.0.0.11:7001\"\nEnvironment=\"ETCD_SNAPSHOT=true\"\nEnvironment=\"ETCD_SNAPSHOTCOUNT=5000\"\n",
            root.Read("/run/systemd/system/etcd.service.d/20-cloudinit.conf"));
        Assert.Equal(
            "[Service]\nEnvironment=\"FLANNELD_ETCD_ENDPOINTS=http://10.0.0.11:2379\"\nEnvironment=\"FLANNELD_ETCD_PREFIX=/coreos.com/network\"\n"
            + "Environment=\"FLANNELD_IP_MASQ=true\"\nEnvironment=\"FLANNELD_IFACE=10.0.0.11\"\n",
            root.Read("/run/systemd/system/flanneld.service.d/20-cloudinit.conf"));
        Assert.Equal(
            "[Service]\nEnvironment=\"FLEET_DISABLE_ENGINE=true\"\nEnvironment=\"FLEET_ENGINE_RECONCILE_INTERVAL=2\"\n"
            + "Environment=\"FLEET_ETCD_SERVERS=http://10.0.0.11:2379\"\nEnvironment=\"FLEET_METADATA=region=eu-west,role=web\"\n"
            + "Environment=\"FLEET_PUBLIC_IP=203.0.113.11\"\nEnvironment=\"FLEET_VERBOSITY=1\"\n",
            root.Read("/run/systemd/system/fleet.service.d/20-cloudinit.conf"));
        Assert.Equal(
            "ID=examplecloud\nVERSION_ID=1.2.0\nNAME=\"Example Cloud \\\"Servers\\\"\"\nHOME_URL=\"https://cloud.example.com/\"\n"
            + "BUG_REPORT_URL=\"https://cloud.example.com/support\"\n",
            root.Read("/etc/oem-release"));
    }

    [Fact]
    public async Task Etcd_flannel_fleet_and_oem_are_validated_with_coreos_cloudinits_rules()
    {
        var document = await LoadAsync("coreos-services-invalid.yml");

        Assert.Equal(
        [
            "line 4: warning: discovery URL is not valid",
            "line 5: warning: deprecated key \"listen_client_urls\" (etcd2 options no longer work for etcd)",
            "line 6: warning: incorrect type for \"coreos.etcd.peer_election_timeout\" (want int)",
            "line 9: warning: unrecognized key \"backend\"",
            "line 11: warning: incorrect type for \"coreos.fleet.verbosity\" (want int)",
            "line 14: warning: incorrect type for \"coreos.oem.id\" (want string)",
            "line 15: warning: unrecognized key \"version\"",
        ], Lines(document));
    }

    [Fact]
    public async Task An_encoding_without_content_cannot_be_decoded()
    {
        using var root = TestRoot.Flatcar();
        var before = TreeSnapshot.Take(root.Path);
        var document = await LoadAsync("b64-without-content.yml");

        var error = Assert.Throws<CloudConfigException>(() => Apply(document, root));

        Assert.Equal(
        [
            "line 5: error: content cannot be decoded as \"b64\" (there is no content)",
            "line 8: error: content cannot be decoded as \"gzip+b64\" (there is no content)",
        ], Lines(document));
        Assert.StartsWith("the cloud-config is invalid; nothing was written", error.Message, StringComparison.Ordinal);
        TreeSnapshot.Take(root.Path).AssertEqual(before);
    }

    [Fact]
    public async Task An_ssh_key_with_a_line_break_is_refused_naming_the_entry_and_nothing_is_written()
    {
        using var root = TestRoot.Flatcar();
        var before = TreeSnapshot.Take(root.Path);
        var document = await LoadAsync("ssh-key-newline.yml");

        var error = Assert.Throws<CloudConfigException>(() => Apply(document, root));

        var lines = Lines(document);
        Assert.Equal(2, lines.Count);
        Assert.StartsWith("line 5: error: \"ssh_authorized_keys[1]\" holds a line break after character 92: it would be written as several authorized_keys lines", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("line 9: error: \"users[0].ssh_authorized_keys[0]\" holds a line break after character 55:", lines[1], StringComparison.Ordinal);
        Assert.Contains(lines[0], error.Message, StringComparison.Ordinal);
        TreeSnapshot.Take(root.Path).AssertEqual(before);
    }

    [Fact]
    public async Task A_long_value_is_cut_in_messages_with_its_size()
    {
        using var root = TestRoot.Flatcar();
        var document = await LoadAsync("long-hostname.yml");

        var error = Assert.Throws<CloudConfigException>(() => Apply(document, root));

        Assert.Equal(
            "nothing was written:\nhostname 'node-" + new string('a', 59) + "... (307 bytes)' is not a host name "
            + "(dot-separated labels of letters, digits and '-', at most 64 characters)",
            error.Message);
    }

    [Fact]
    public void A_megabyte_value_gives_a_one_line_message()
    {
        var huge = new string('x', 1_000_000);
        var invalid = CloudConfigDocument.Parse($"#cloud-config\nmanage_etc_hosts: {huge}\n", IpSubstitutions.None);
        using var root = TestRoot.Empty();
        var valid = CloudConfigDocument.Parse($"#cloud-config\nhostname: {huge}\n", IpSubstitutions.None);

        var error = Assert.Throws<CloudConfigException>(() => Apply(valid, root));

        Assert.Equal([$"line 2: error: invalid value {new string('x', 64)}... (1000000 bytes)"], Lines(invalid));
        Assert.True(error.Message.Length < 250, error.Message);
        Assert.Contains("... (1000000 bytes)", error.Message, StringComparison.Ordinal);
    }

    private static Task<CloudConfigDocument> LoadAsync(string sample) =>
        CloudConfigDocument.LoadAsync(Path.Combine(s_samples, sample), SampleTests.Addresses, CancellationToken.None);

    private static ApplyResult Apply(CloudConfigDocument document, TestRoot root) =>
        new CloudConfigApplier(new FakeTimeProvider(SampleTests.Today)).Apply(document, root.Path);

    private static List<string> Lines(CloudConfigDocument document) => [.. document.Report.Entries.Select(e => e.ToString())];
}
