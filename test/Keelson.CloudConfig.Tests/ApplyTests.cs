using Keelson.Agent.Configuration;
using Keelson.CloudConfig.Apply;
using Microsoft.Extensions.Time.Testing;

namespace Keelson.CloudConfig.Tests;

/// <summary>What apply writes, merges and refuses, on small roots made for each case.</summary>
public sealed class ApplyTests
{
    [Fact]
    public void Update_conf_replaces_the_first_line_of_each_key_and_appends_the_missing_keys_sorted()
    {
        using var root = TestRoot.Empty();
        root.Write("/etc/coreos/update.conf", "# local settings\nGROUP=stable\nGROUP=second\nGROUPS=unrelated\nSERVER = https://old.example.com/\nOTHER=kept");

        Apply(root, "coreos:\n  update:\n    group: beta\n    server: https://new.example.com/v1/update/\n    reboot-strategy: reboot\n  locksmith:\n    window-start: \"04:00\"\n    window-length: 2h\n");

        Assert.Equal(
            "# local settings\nGROUP=beta\nGROUP=second\nGROUPS=unrelated\nSERVER=https://new.example.com/v1/update/\nOTHER=kept\n"
            + "REBOOT_STRATEGY=reboot\nREBOOT_WINDOW_LENGTH=2h\nREBOOT_WINDOW_START=04:00\n",
            root.Read("/etc/coreos/update.conf"));
    }

    [Fact]
    public void Update_conf_starts_from_the_images_default_when_etc_has_none()
    {
        using var root = TestRoot.Flatcar();

        Apply(root, "coreos:\n  update:\n    reboot-strategy: off\n");

        Assert.Equal("# Default update settings of the image.\nGROUP=stable\nSERVER=https://updates.example.com/v1/update/\nREBOOT_STRATEGY=off\n",
            root.Read("/etc/coreos/update.conf"));
        var config = UpdateConfigReader.Read(UpdateConfig.DefaultPaths.Select(root.HostPath));
        Assert.Equal(RebootStrategy.Off, config.RebootStrategy);
        Assert.Equal("stable", config.Group);
    }

    [Fact]
    public void Update_conf_is_made_from_nothing_when_there_is_no_file_at_all()
    {
        using var root = TestRoot.Empty();

        Apply(root, "coreos:\n  update:\n    server: https://updates.example.com/v1/update/\n    group: beta\n");

        Assert.Equal("GROUP=beta\nSERVER=https://updates.example.com/v1/update/\n", root.Read("/etc/coreos/update.conf"));
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("/../outside")]
    [InlineData("/etc/../../outside")]
    public void A_write_files_path_climbing_out_of_the_root_is_refused_and_nothing_is_written(string path)
    {
        using var root = TestRoot.Flatcar();
        var before = TreeSnapshot.Take(root.Path);

        var error = Assert.Throws<CloudConfigException>(() => Apply(root, $"hostname: node-1\nwrite_files:\n  - path: {path}\n    content: x\n"));

        Assert.Contains($"refusing write_files path '{path}': it climbs out of the root", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("nothing was written", error.Message, StringComparison.Ordinal);
        TreeSnapshot.Take(root.Path).AssertEqual(before);
    }

    [Fact]
    public void A_symbolic_link_pointing_outside_the_root_is_refused_before_anything_is_written()
    {
        using var root = TestRoot.Flatcar();
        using var outside = TestRoot.Empty();
        root.Link("/etc/systemd", outside.Path);
        var before = TreeSnapshot.Take(root.Path);

        var error = Assert.Throws<CloudConfigException>(() => Apply(root,
            "hostname: node-1\ncoreos:\n  units:\n    - name: app.service\n      content: |\n        [Service]\n        ExecStart=/bin/true\n"));

        Assert.Contains($"refusing /etc/systemd/system/app.service: /etc/systemd is a symbolic link to {outside.Path}, outside the root", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(outside.Path));
        TreeSnapshot.Take(root.Path).AssertEqual(before);
    }

    [Fact]
    public void A_relative_link_climbing_out_of_the_root_is_refused()
    {
        using var root = TestRoot.Empty();
        root.Link("/opt", "../..");

        var error = Assert.Throws<CloudConfigException>(() => Apply(root, "write_files:\n  - path: /opt/bin/tool\n    content: x\n"));

        Assert.Contains("refusing /opt/bin/tool: a symbolic link on the way climbs out of the root", error.Message, StringComparison.Ordinal);
        Assert.False(root.Exists("/bin"));
    }

    [Fact]
    public void Links_that_stay_inside_the_root_are_followed()
    {
        using var root = TestRoot.Empty();
        Directory.CreateDirectory(root.HostPath("/run"));
        Directory.CreateDirectory(root.HostPath("/data/srv"));
        root.Link("/var/run", "../run");
        root.Link("/srv", root.HostPath("/data/srv"));

        Apply(root, "write_files:\n  - path: /var/run/keelson/a\n    content: a\n  - path: /srv/b\n    content: b\n");

        Assert.Equal("a", File.ReadAllText(root.HostPath("/run/keelson/a")));
        Assert.Equal("b", File.ReadAllText(root.HostPath("/data/srv/b")));
    }

    [Fact]
    public void A_link_where_a_file_is_written_is_replaced_not_followed()
    {
        using var root = TestRoot.Empty();
        using var outside = TestRoot.Empty();
        File.WriteAllText(Path.Join(outside.Path, "hostname"), "outside\n");
        root.Link("/etc/hostname", Path.Join(outside.Path, "hostname"));

        Apply(root, "hostname: node-1\n");

        Assert.Equal(NodeType.File, RootFileSystem.TypeOf(root.HostPath("/etc/hostname")));
        Assert.Equal("node-1\n", root.Read("/etc/hostname"));
        Assert.Equal("outside\n", File.ReadAllText(Path.Join(outside.Path, "hostname")));
    }

    [Fact]
    public void Account_files_are_read_only_when_the_document_needs_them()
    {
        using var root = TestRoot.Empty();
        using var outside = TestRoot.Empty();
        File.WriteAllText(Path.Join(outside.Path, "passwd"), "root:x:0:0:root:/root:/bin/bash\n");
        root.Link("/etc/passwd", Path.Join(outside.Path, "passwd"));

        Apply(root, "hostname: node-1\nwrite_files:\n  - path: /etc/motd\n    content: hi\n");
        var error = Assert.Throws<CloudConfigException>(() => Apply(root, "write_files:\n  - path: /etc/motd\n    owner: root\n"));

        Assert.Equal("node-1\n", root.Read("/etc/hostname"));
        Assert.Contains($"refusing /etc/passwd: /etc/passwd is a symbolic link to {outside.Path}/passwd, outside the root", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_invalid_document_is_refused_before_anything_is_written()
    {
        using var root = TestRoot.Flatcar();
        var before = TreeSnapshot.Take(root.Path);

        var error = Assert.Throws<CloudConfigException>(() => Apply(root, "hostname: node-1\ncoreos:\n  update:\n    reboot-strategy: sometimes\n"));

        Assert.Equal("the cloud-config is invalid; nothing was written:\nline 5: error: invalid value sometimes", error.Message);
        TreeSnapshot.Take(root.Path).AssertEqual(before);
    }

    [Fact]
    public void A_script_is_not_applied_and_an_empty_file_applies_nothing()
    {
        using var root = TestRoot.Empty();
        var applier = new CloudConfigApplier(new FakeTimeProvider(SampleTests.Today));

        Assert.Throws<CloudConfigException>(() => applier.Apply(CloudConfigDocument.Parse("#!/bin/sh\ntouch /x\n", IpSubstitutions.None), root.Path));
        Assert.Empty(applier.Apply(CloudConfigDocument.Parse("", IpSubstitutions.None), root.Path).Changes);
        Assert.Empty(Directory.EnumerateFileSystemEntries(root.Path));
    }

    [Fact]
    public void A_root_that_is_not_a_directory_is_refused()
    {
        var error = Assert.Throws<CloudConfigException>(() =>
            new CloudConfigApplier(TimeProvider.System).Apply(Parse("hostname: a\n"), "/nonexistent/keelson-root"));

        Assert.Equal("the root /nonexistent/keelson-root is not a directory", error.Message);
    }

    [Fact]
    public void An_unknown_owner_is_refused_with_nothing_written()
    {
        using var root = TestRoot.Flatcar();
        var before = TreeSnapshot.Take(root.Path);

        var error = Assert.Throws<CloudConfigException>(() => Apply(root,
            "hostname: node-1\nwrite_files:\n  - path: /etc/app.conf\n    owner: nobody\n  - path: /etc/app2.conf\n    owner: core:nogroup\n"));

        Assert.Contains("refusing write_files path '/etc/app.conf': owner 'nobody': no user 'nobody' in /etc/passwd", error.Message, StringComparison.Ordinal);
        Assert.Contains("refusing write_files path '/etc/app2.conf': owner 'core:nogroup': no group 'nogroup' in /etc/group", error.Message, StringComparison.Ordinal);
        TreeSnapshot.Take(root.Path).AssertEqual(before);
    }

    [Fact]
    public void Owners_are_chowns_user_user_colon_colon_group_and_numbers()
    {
        using var root = TestRoot.Flatcar();

        Apply(root, "write_files:\n  - path: /a\n    owner: core\n  - path: /b\n    owner: 'core:'\n  - path: /c\n    owner: :docker\n  - path: /d\n    owner: 1234:5678\n  - path: /e\n    owner: root:wheel\n");

        Assert.Equal(new Owner(500, 0), NativeMethods.GetOwner(root.HostPath("/a")));
        Assert.Equal(new Owner(500, 500), NativeMethods.GetOwner(root.HostPath("/b")));
        Assert.Equal(new Owner(0, 233), NativeMethods.GetOwner(root.HostPath("/c")));
        Assert.Equal(new Owner(1234, 5678), NativeMethods.GetOwner(root.HostPath("/d")));
        Assert.Equal(new Owner(0, 10), NativeMethods.GetOwner(root.HostPath("/e")));
    }

    [Fact]
    public void Permissions_are_octal_text_and_default_to_0644()
    {
        using var root = TestRoot.Empty();

        Apply(root, "write_files:\n  - path: /a\n    permissions: 0744\n  - path: /b\n    permissions: '600'\n  - path: /c\n  - path: /d\n    permissions: 04755\n");

        Assert.Equal("0744", ApplyPlan.Mode(File.GetUnixFileMode(root.HostPath("/a"))));
        Assert.Equal("0600", ApplyPlan.Mode(File.GetUnixFileMode(root.HostPath("/b"))));
        Assert.Equal("0644", ApplyPlan.Mode(File.GetUnixFileMode(root.HostPath("/c"))));
        Assert.Equal("4755", ApplyPlan.Mode(File.GetUnixFileMode(root.HostPath("/d"))));
    }

    [Fact]
    public void A_user_in_a_group_that_does_not_exist_is_refused()
    {
        using var root = TestRoot.Flatcar();
        var before = TreeSnapshot.Take(root.Path);

        var error = Assert.Throws<CloudConfigException>(() => Apply(root, "users:\n  - name: dev\n    groups: [wheel, rkt]\n"));

        Assert.Contains("cannot create user 'dev': group 'rkt' does not exist", error.Message, StringComparison.Ordinal);
        TreeSnapshot.Take(root.Path).AssertEqual(before);
    }

    [Theory]
    [InlineData("Dev", "not a user name")]
    [InlineData("dev:x", "not a user name")]
    public void A_bad_user_name_is_refused(string name, string reason)
    {
        using var root = TestRoot.Flatcar();

        var error = Assert.Throws<CloudConfigException>(() => Apply(root, $"users:\n  - name: '{name}'\n"));

        Assert.Contains($"cannot create user '{name}': {reason}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Users_of_the_baselayout_are_found_and_a_baselayout_group_gets_a_line_in_etc_group()
    {
        using var root = TestRoot.Empty();
        root.Write("/usr/share/baselayout/passwd", "root:x:0:0:root:/root:/bin/bash\ncore:x:500:500:Flatcar Admin:/home/core:/bin/bash\n");
        root.Write("/usr/share/baselayout/group", "root:x:0:\ndocker:x:233:\ncore:x:500:\n");
        root.Write("/etc/passwd", "");
        root.Write("/etc/group", "");
        root.Write("/etc/shadow", "", "0600");

        Apply(root, "ssh_authorized_keys:\n  - ssh-ed25519 AAAAKEY core@x\nusers:\n  - name: dev\n    groups: [docker]\n    primary-group: core\n");

        Assert.Equal("ssh-ed25519 AAAAKEY core@x\n", root.Read("/home/core/.ssh/authorized_keys"));
        Assert.Equal(new Owner(500, 500), NativeMethods.GetOwner(root.HostPath("/home/core/.ssh/authorized_keys")));
        Assert.Equal("dev:x:1000:500::/home/dev:/bin/bash\n", root.Read("/etc/passwd"));
        Assert.Equal("docker:x:233:dev\n", root.Read("/etc/group"));
        Assert.Equal("dev:*:20089:0:99999:7:::\n", root.Read("/etc/shadow"));
        Assert.Equal(new Owner(1000, 500), NativeMethods.GetOwner(root.HostPath("/home/dev")));
    }

    [Fact]
    public void Users_get_their_own_group_or_the_users_group_and_gshadow_is_kept_in_step()
    {
        using var root = TestRoot.Flatcar();
        root.Write("/etc/gshadow", "root:::\nsudo:!::\n", "0600");

        Apply(root, "users:\n  - name: ann\n    groups: [sudo]\n  - name: bob\n    no-user-group: true\n    homedir: /srv/bob\n  - name: svc\n    system: true\n    no-create-home: true\n");

        Assert.EndsWith("ann:x:1000:1000::/home/ann:/bin/bash\nbob:x:1001:100::/srv/bob:/bin/bash\nsvc:x:999:999::/home/svc:/bin/bash\n", root.Read("/etc/passwd"), StringComparison.Ordinal);
        Assert.Contains("sudo:x:150:ann\n", root.Read("/etc/group"), StringComparison.Ordinal);
        Assert.EndsWith("ann:x:1000:\nsvc:x:999:\n", root.Read("/etc/group"), StringComparison.Ordinal);
        Assert.Equal("root:::\nsudo:!::ann\nann:!::\nsvc:!::\n", root.Read("/etc/gshadow"));
        Assert.True(Directory.Exists(root.HostPath("/srv/bob")));
        Assert.False(root.Exists("/home/svc"));
    }

    [Fact]
    public void An_existing_user_only_gets_its_password_and_its_date_moves_only_with_it()
    {
        using var root = TestRoot.Flatcar();
        var passwd = root.Read("/etc/passwd");

        Apply(root, "users:\n  - name: core\n    passwd: $6$one\n    gecos: ignored for an existing user\n");
        Assert.Contains("core:$6$one:20089:0:99999:7:::\n", root.Read("/etc/shadow"), StringComparison.Ordinal);
        Assert.Equal(passwd, root.Read("/etc/passwd"));

        Apply(root, "users:\n  - name: core\n    passwd: $6$one\n", SampleTests.Today.AddDays(10));
        Assert.Contains("core:$6$one:20089:0:99999:7:::\n", root.Read("/etc/shadow"), StringComparison.Ordinal);

        Apply(root, "users:\n  - name: core\n    passwd: $6$two\n", SampleTests.Today.AddDays(10));
        Assert.Contains("core:$6$two:20099:0:99999:7:::\n", root.Read("/etc/shadow"), StringComparison.Ordinal);
    }

    [Fact]
    public void Ssh_keys_for_a_user_that_does_not_exist_are_refused()
    {
        using var root = TestRoot.Empty();
        root.Write("/etc/passwd", "root:x:0:0:root:/root:/bin/bash\n");

        var error = Assert.Throws<CloudConfigException>(() => Apply(root, "ssh_authorized_keys:\n  - ssh-ed25519 AAAA x\n"));

        Assert.Contains("cannot authorize SSH keys for 'core': no such user in /etc/passwd or /usr/share/baselayout/passwd", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Authorized_keys_merges_every_key_set_in_name_order_and_leaves_out_disabled_ones()
    {
        using var root = TestRoot.Flatcar();
        root.Write("/home/core/.ssh/authorized_keys.d/aa-disabled", "");
        root.Write("/home/core/.ssh/authorized_keys.d/zz-ops", "ssh-ed25519 AAAAOPS ops\n");
        root.Write("/home/core/.ssh/authorized_keys", "stale\n");

        Apply(root, "ssh_authorized_keys:\n  - '  ssh-ed25519 AAAANEW new  '\n  - ssh-rsa AAAARSA rsa\nusers:\n  - name: core\n    ssh-authorized-keys:\n      - ssh-ed25519 AAAAUSER user\n");

        Assert.Equal("ssh-ed25519 AAAAUSER user\nssh-ed25519 AAAANEW new\nssh-rsa AAAARSA rsa\n", root.Read("/home/core/.ssh/authorized_keys.d/coreos-cloudinit"));
        Assert.Equal("ssh-ed25519 AAAAUSER user\nssh-ed25519 AAAANEW new\nssh-rsa AAAARSA rsa\nssh-ed25519 AAAAOPS ops\n", root.Read("/home/core/.ssh/authorized_keys"));
        // The directory existed already: the old authorized_keys is not taken over.
        Assert.False(root.Exists("/home/core/.ssh/authorized_keys.d/orig_authorized_keys"));
    }

    [Fact]
    public void Enabling_a_unit_without_a_unit_file_is_refused()
    {
        using var root = TestRoot.Flatcar();

        var error = Assert.Throws<CloudConfigException>(() => Apply(root, "coreos:\n  units:\n    - name: missing.service\n      enable: true\n"));

        Assert.Contains("cannot enable missing.service: no unit file for it in /etc/systemd/system, /run/systemd/system", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Masking_and_enabling_one_unit_is_refused()
    {
        using var root = TestRoot.Flatcar();

        var error = Assert.Throws<CloudConfigException>(() => Apply(root, "coreos:\n  units:\n    - name: ntpd.service\n      enable: true\n      mask: true\n"));

        Assert.Contains("unit ntpd.service is both masked and enabled", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("name: ../../etc/passwd", "unit name '../../etc/passwd' is not a systemd unit name")]
    [InlineData("name: app.service\n      drop-ins:\n        - name: ../../../etc/passwd\n          content: x", "drop-in name '../../../etc/passwd' of app.service is not a file name")]
    public void Unit_and_drop_in_names_cannot_be_paths(string unit, string message)
    {
        using var root = TestRoot.Flatcar();
        var before = TreeSnapshot.Take(root.Path);

        var error = Assert.Throws<CloudConfigException>(() => Apply(root, $"coreos:\n  units:\n    - {unit}\n      content: x\n"));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        TreeSnapshot.Take(root.Path).AssertEqual(before);
    }

    [Fact]
    public void A_runtime_unit_is_unmasked_when_masked_by_a_link_or_an_empty_file()
    {
        using var root = TestRoot.Flatcar();
        root.Link("/run/systemd/system/ntpd.service", "/dev/null");
        root.Write("/run/systemd/system/docker.service", "");

        var result = Apply(root, "coreos:\n  units:\n    - name: ntpd.service\n      runtime: true\n      command: start\n    - name: docker.service\n      runtime: true\n");

        Assert.False(root.Exists("/run/systemd/system/ntpd.service"));
        Assert.False(root.Exists("/run/systemd/system/docker.service"));
        Assert.Equal(["removed /run/systemd/system/ntpd.service", "removed /run/systemd/system/docker.service"], result.Changes.Select(c => c.ToString()));
    }

    [Fact]
    public void Enabling_links_wanted_by_required_by_alias_and_also_under_run_for_a_runtime_unit()
    {
        using var root = TestRoot.Flatcar();
        root.Write("/usr/lib/systemd/system/helper.timer", "[Timer]\nOnCalendar=daily\n[Install]\nWantedBy=timers.target\n");

        Apply(root, "coreos:\n  units:\n    - name: app.service\n      runtime: true\n      enable: true\n      content: |\n"
            + "        [Service]\n        ExecStart=/opt/bin/app\n        [Install]\n        WantedBy=multi-user.target \\\n          network-online.target\n"
            + "        RequiredBy=graphical.target\n        Alias=web.service\n        Also=helper.timer\n");

        var links = TreeSnapshot.Take(root.Path).Listing.Split('\n').Where(l => l.Contains(" link -> ", StringComparison.Ordinal));
        Assert.Equal(
        [
            "/run/systemd/system/graphical.target.requires/app.service link -> /run/systemd/system/app.service",
            "/run/systemd/system/multi-user.target.wants/app.service link -> /run/systemd/system/app.service",
            "/run/systemd/system/network-online.target.wants/app.service link -> /run/systemd/system/app.service",
            "/run/systemd/system/timers.target.wants/helper.timer link -> /usr/lib/systemd/system/helper.timer",
            "/run/systemd/system/web.service link -> /run/systemd/system/app.service",
        ], links);
    }

    [Fact]
    public void Enabling_an_instance_links_its_template_and_a_unit_without_install_is_only_noted()
    {
        using var root = TestRoot.Flatcar();
        root.Write("/usr/lib/systemd/system/getty@.service", "[Service]\nExecStart=-/sbin/agetty %I\n[Install]\nWantedBy=getty.target\n");
        root.Write("/usr/lib/systemd/system/plain.service", "[Service]\nExecStart=/bin/true\n");

        var result = Apply(root, "coreos:\n  units:\n    - name: getty@tty2.service\n      enable: true\n    - name: plain.service\n      enable: true\n");

        Assert.Equal("/usr/lib/systemd/system/getty@.service", new FileInfo(root.HostPath("/etc/systemd/system/getty.target.wants/getty@tty2.service")).LinkTarget);
        Assert.Contains("not enabled: plain.service has no [Install] section (WantedBy=, RequiredBy=, Alias=, Also=)", result.Notes);
    }

    [Fact]
    public void Enabling_a_unit_masked_in_the_root_is_refused()
    {
        using var root = TestRoot.Flatcar();
        root.Link("/etc/systemd/system/docker.service", "/dev/null");

        var error = Assert.Throws<CloudConfigException>(() => Apply(root, "coreos:\n  units:\n    - name: docker.service\n      enable: true\n"));

        Assert.Contains("cannot enable docker.service: /etc/systemd/system/docker.service masks it", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-leading-dash")]
    [InlineData("under_score")]
    [InlineData("a.b..c")]
    public void A_hostname_that_is_not_one_is_refused(string hostname)
    {
        using var root = TestRoot.Empty();

        var error = Assert.Throws<CloudConfigException>(() => Apply(root, $"hostname: {hostname}\n"));

        Assert.Contains($"hostname '{hostname}' is not a host name", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Etc_hosts_names_the_hostname_already_in_the_root_when_the_document_sets_none()
    {
        using var root = TestRoot.Empty();
        root.Write("/etc/hostname", "machine-7\n");

        Apply(root, "manage_etc_hosts: localhost\n");

        Assert.Equal("127.0.0.1 machine-7\n", root.Read("/etc/hosts"));
    }

    [Fact]
    public void Lock_settings_are_quoted_where_the_reader_would_cut_them()
    {
        using var root = TestRoot.Empty();

        Apply(root, "coreos:\n  locksmith:\n    endpoint: https://etcd-1:2379,https://etcd-2:2379\n    etcd-username: keelson\n    etcd-password: \"p4ss #word\"\n    etcd-cafile: /etc/ssl/etcd/ca.pem\n");

        var text = root.Read(CloudConfigApplier.LocksConfPath);
        Assert.Contains("LOCKSMITHD_ETCD_PASSWORD=\"p4ss #word\"\n", text, StringComparison.Ordinal);
        var settings = UpdateConfigReader.Parse(text, CloudConfigApplier.LocksConfPath).ToDictionary(s => s.Key, s => s.Value);
        Assert.Equal("p4ss #word", settings["LOCKSMITHD_ETCD_PASSWORD"]);
        Assert.Equal("https://etcd-1:2379,https://etcd-2:2379", settings["LOCKSMITHD_ENDPOINT"]);
        Assert.Equal("/etc/ssl/etcd/ca.pem", settings["LOCKSMITHD_ETCD_CAFILE"]);
        Assert.Equal("keelson", settings["LOCKSMITHD_ETCD_USERNAME"]);
        Assert.Equal("[Service]\nEnvironment=\"LOCKSMITHD_ENDPOINT=https://etcd-1:2379,https://etcd-2:2379\"\nEnvironment=\"LOCKSMITHD_ETCD_CAFILE=/etc/ssl/etcd/ca.pem\"\n"
            + "Environment=\"LOCKSMITHD_ETCD_USERNAME=keelson\"\nEnvironment=\"LOCKSMITHD_ETCD_PASSWORD=p4ss #word\"\n",
            root.Read("/run/systemd/system/locksmithd.service.d/20-cloudinit.conf"));
    }

    [Fact]
    public void Etcd2_booleans_and_integers_are_written_only_when_set()
    {
        using var root = TestRoot.Empty();

        Apply(root, "coreos:\n  etcd2:\n    name: node-1\n    debug: yes\n    force-new-cluster: false\n    heartbeat-interval: 0\n    election-timeout: 1200\n    proxy: off\n");

        Assert.Equal("[Service]\nEnvironment=\"ETCD_DEBUG=true\"\nEnvironment=\"ETCD_ELECTION_TIMEOUT=1200\"\nEnvironment=\"ETCD_NAME=node-1\"\nEnvironment=\"ETCD_PROXY=off\"\n",
            root.Read("/run/systemd/system/etcd2.service.d/20-cloudinit.conf"));
    }

    private static CloudConfigDocument Parse(string body) => CloudConfigDocument.Parse("#cloud-config\n" + body, IpSubstitutions.None);

    private static ApplyResult Apply(TestRoot root, string body, DateTimeOffset? now = null) =>
        new CloudConfigApplier(new FakeTimeProvider(now ?? SampleTests.Today)).Apply(Parse(body), root.Path);
}
