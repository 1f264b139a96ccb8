using Keelson.Agent.Configuration;
using Keelson.Disks.Boot;

namespace Keelson.Agent.Tests.Configuration;

public sealed class UpdateConfigReaderTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("keelson-update-conf-");

    public void Dispose() => _directory.Delete(recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_directory.FullName, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void The_update_conf_the_repository_ships_for_real_machines_reads_as_its_comments_say()
    {
        var config = UpdateConfigReader.Read([Path.Combine(AppContext.BaseDirectory, "examples", "real-machine", "update.conf")]);

        Assert.Equal(("stable", RebootStrategy.EtcdLock), (config.Group, config.RebootStrategy));
        Assert.Equal(new Uri("https://updates.example.com/v1/update/"), config.Server);
        Assert.Equal((BootBackendKind.GrubEnv, "/boot", RebootMethod.Kexec), (config.BootBackend, config.EspDirectory, config.RebootMethod));
        Assert.Equal(["/usr/share/keelson/release.pub"], config.TrustedKeys);
    }

    [Fact]
    public void Later_files_win_key_by_key_as_in_CoreOS()
    {
        var image = Write("usr.conf", "GROUP=stable\nSERVER=https://updates.example.com/v1/update/\nREBOOT_STRATEGY=reboot\n");
        var machine = Write("etc.conf", "# operator settings\nGROUP=beta\n\nREBOOT_STRATEGY=\"etcd-lock\"\n");

        var config = UpdateConfigReader.Read([image, machine]);

        Assert.Equal("beta", config.Group);
        Assert.Equal(new Uri("https://updates.example.com/v1/update/"), config.Server);
        Assert.Equal(RebootStrategy.EtcdLock, config.RebootStrategy);
        Assert.Equal([image, machine], config.Sources);
    }

    [Fact]
    public void Missing_files_are_skipped_unless_required()
    {
        var image = Write("usr.conf", "SERVER=http://127.0.0.1:8080/v1/update/\n");
        var missing = Path.Combine(_directory.FullName, "absent.conf");

        var config = UpdateConfigReader.Read([image, missing]);

        Assert.Equal("stable", config.Group);
        Assert.Equal(RebootStrategy.BestEffort, config.RebootStrategy);
        var error = Assert.Throws<UpdateConfigException>(() => UpdateConfigReader.Read([image, missing], new HashSet<string> { missing }));
        Assert.Contains("absent.conf: no such file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SERVER_disabled_turns_checking_off()
    {
        var config = UpdateConfigReader.Read([Write("a.conf", "SERVER=disabled\n")]);

        Assert.False(config.CheckingEnabled);
        Assert.Null(config.Server);
    }

    [Fact]
    public void A_reboot_window_is_read_in_locksmith_format_with_or_without_the_prefix()
    {
        var plain = UpdateConfigReader.Read([Write("a.conf", "SERVER=disabled\nREBOOT_WINDOW_START=Thu 04:00\nREBOOT_WINDOW_LENGTH=1h30m\n")]);
        var prefixed = UpdateConfigReader.Read([Write("b.conf", "SERVER=disabled\nLOCKSMITHD_REBOOT_WINDOW_START='04:00'\nLOCKSMITHD_REBOOT_WINDOW_LENGTH=\"2h\"\n")]);

        Assert.Equal("Thu 04:00 1h30m", Assert.Single(plain.RebootWindows.Windows).ToString());
        Assert.Equal("daily 04:00 2h", Assert.Single(prefixed.RebootWindows.Windows).ToString());
        Assert.Equal(TimeZoneInfo.Local, plain.RebootWindows.Zone);
    }

    [Fact]
    public void Several_reboot_windows_are_read_in_a_named_time_zone()
    {
        var config = UpdateConfigReader.Read([Write("a.conf",
            "SERVER=disabled\nKEELSON_REBOOT_WINDOWS=Mon-Fri 02:00 1h; Sat,Sun 03:00 4h\nKEELSON_REBOOT_TIMEZONE=Europe/Berlin\n")]);

        Assert.Equal(2, config.RebootWindows.Windows.Count);
        Assert.Equal("Europe/Berlin", config.RebootWindows.Zone.Id);
        // Monday 01:30 UTC is 02:30 in Berlin (CET): inside the weekday window.
        Assert.True(config.RebootWindows.IsOpen(new DateTimeOffset(2027, 1, 4, 1, 30, 0, TimeSpan.Zero)));
        Assert.False(config.RebootWindows.IsOpen(new DateTimeOffset(2027, 1, 4, 2, 30, 0, TimeSpan.Zero)));
    }

    [Theory]
    [InlineData("KEELSON_REBOOT_WINDOWS=Mon-Fri 02:00 1h\nREBOOT_WINDOW_START=04:00\nREBOOT_WINDOW_LENGTH=1h\n", "both set")]
    [InlineData("KEELSON_REBOOT_WINDOWS=Mon-Fri 25:00 1h\n", "a.conf:2: reboot window 'Mon-Fri 25:00 1h'")]
    [InlineData("KEELSON_REBOOT_WINDOWS=daily 02:00 1h\nKEELSON_REBOOT_TIMEZONE=Mars/Olympus\n", "unknown time zone 'Mars/Olympus'")]
    [InlineData("REBOOT_STRATEGY=fleetlock\n", "needs KEELSON_FLEETLOCK_URL")]
    [InlineData("KEELSON_FLEETLOCK_URL=ftp://locks\n", "is not an http(s) URL")]
    [InlineData("LOCKSMITHD_ENDPOINT=http://10.0.0.1:2379,etcd:2379\n", "'etcd:2379' is not an etcd client URL")]
    public void Bad_window_and_lock_settings_are_start_up_errors_that_name_them(string settings, string expected)
    {
        var error = Assert.Throws<UpdateConfigException>(() => UpdateConfigReader.Read([Write("a.conf", "SERVER=disabled\n" + settings)]));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Lock_settings_come_from_locksmiths_keys_and_keelsons_fleetlock_keys()
    {
        var etcd = UpdateConfigReader.Read([Write("a.conf",
            "SERVER=disabled\nREBOOT_STRATEGY=etcd-lock\nLOCKSMITHD_ENDPOINT=https://10.0.0.1:2379, https://10.0.0.2:2379\nLOCKSMITHD_GROUP=db\nLOCKSMITHD_ETCD_CAFILE=/etc/ssl/etcd/ca.pem\nLOCKSMITHD_ETCD_USERNAME=root\n")]);
        var defaulted = UpdateConfigReader.Read([Write("b.conf", "SERVER=disabled\nREBOOT_STRATEGY=etcd-lock\n")]);
        var fleetLock = UpdateConfigReader.Read([Write("c.conf", "SERVER=disabled\nREBOOT_STRATEGY=fleetlock\nKEELSON_FLEETLOCK_URL=http://locks.example:3333\n")]);

        Assert.Equal([new Uri("https://10.0.0.1:2379"), new Uri("https://10.0.0.2:2379")], etcd.Locks.Etcd!.Endpoints);
        Assert.Equal("db", etcd.Locks.EtcdGroup);
        Assert.Equal("/etc/ssl/etcd/ca.pem", etcd.Locks.Etcd.CaFile);
        Assert.Equal("root", etcd.Locks.Etcd.Username);
        Assert.Equal([new Uri("http://127.0.0.1:2379")], defaulted.Locks.Etcd!.Endpoints);
        Assert.Equal(new Uri("http://locks.example:3333"), fleetLock.Locks.FleetLockUrl);
        Assert.Equal("default", fleetLock.Locks.FleetLockGroup);
        Assert.Null(fleetLock.Locks.Etcd);
    }

    [Fact]
    public void Keelson_keys_list_trusted_keys_and_health_checks()
    {
        var config = UpdateConfigReader.Read([Write("a.conf",
            "SERVER=disabled\nKEELSON_TRUSTED_KEYS=/etc/keelson/2026.pub /etc/keelson/2027.pub\nKEELSON_HEALTH_CHECKS=systemctl is-system-running --wait; /usr/bin/true\n")]);

        Assert.Equal(["/etc/keelson/2026.pub", "/etc/keelson/2027.pub"], config.TrustedKeys);
        Assert.Equal(["systemctl is-system-running --wait", "/usr/bin/true"], config.HealthChecks);
    }

    [Theory]
    [InlineData("SERVER=disabled\nthis is not a setting\n", ":2: expected KEY=value")]
    [InlineData("SERVER=disabled\nGROUP=\"beta\n", ":2: the value \"beta has no closing \"")]
    [InlineData("SERVER=disabled\nREBOOT_STRATEGY=sometimes\n", ":2: REBOOT_STRATEGY 'sometimes' is not one of")]
    [InlineData("SERVER=ftp://example.com/\n", ":1: SERVER 'ftp://example.com/' is not an http(s) URL")]
    [InlineData("GROUP=beta\n", "SERVER is not set")]
    [InlineData("SERVER=disabled\nGROUP=beta channel\n", ":2: GROUP 'beta channel' must be")]
    [InlineData("SERVER=disabled\nREBOOT_WINDOW_START=04:00\n", ":2: REBOOT_WINDOW_START is set without its partner")]
    [InlineData("SERVER=disabled\nREBOOT_WINDOW_START=25:00\nREBOOT_WINDOW_LENGTH=1h\n", ":2: reboot window start '25:00'")]
    [InlineData("SERVER=disabled\nBAD KEY=1\n", ":2: 'BAD KEY' is not a key")]
    public void A_bad_file_is_a_clear_error_naming_the_file_and_line(string text, string message)
    {
        var path = Write("update.conf", text);

        var error = Assert.Throws<UpdateConfigException>(() => UpdateConfigReader.Read([path]));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        if (message.StartsWith(':'))
        {
            Assert.StartsWith(path, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_boot_backend_esp_and_reboot_method_default_to_gptprio_boot_and_firmware()
    {
        var config = UpdateConfigReader.Read([Write("u.conf", "SERVER=disabled\n")]);

        Assert.Equal((BootBackendKind.Gptprio, "/boot", RebootMethod.Firmware), (config.BootBackend, config.EspDirectory, config.RebootMethod));
    }

    [Theory]
    [InlineData("grub-env", BootBackendKind.GrubEnv)]
    [InlineData("systemd-boot", BootBackendKind.SystemdBoot)]
    [InlineData("gptprio", BootBackendKind.Gptprio)]
    public void The_boot_backend_esp_and_reboot_method_are_read_by_name(string name, BootBackendKind kind)
    {
        var config = UpdateConfigReader.Read([Write("u.conf", $"SERVER=disabled\nKEELSON_BOOT_BACKEND={name}\nKEELSON_ESP=/efi\nKEELSON_REBOOT_METHOD=kexec\n")]);

        Assert.Equal((kind, "/efi", RebootMethod.Kexec), (config.BootBackend, config.EspDirectory, config.RebootMethod));
    }

    [Theory]
    [InlineData("KEELSON_BOOT_BACKEND=grub2", ":2: KEELSON_BOOT_BACKEND 'grub2' is not one of gptprio, grub-env, systemd-boot")]
    [InlineData("KEELSON_ESP=boot/efi", ":2: KEELSON_ESP 'boot/efi' is not an absolute path (where the ESP is mounted, e.g. /boot)")]
    [InlineData("KEELSON_REBOOT_METHOD=kexec-e", ":2: KEELSON_REBOOT_METHOD 'kexec-e' is not one of firmware, kexec")]
    public void A_bad_boot_setting_is_refused_naming_the_file_line_and_value(string line, string expected)
    {
        var path = Write("u.conf", $"SERVER=disabled\n{line}\n");

        var error = Assert.Throws<UpdateConfigException>(() => UpdateConfigReader.Read([path]));

        Assert.Equal(path + expected, error.Message);
    }

    [Theory]
    [InlineData("KEELSON_METRICS_LISTEN=127.0.0.1:9101\n", "127.0.0.1:9101")]
    [InlineData("KEELSON_METRICS_LISTEN=[::1]:9101\n", "[::1]:9101")]
    [InlineData("KEELSON_METRICS_LISTEN=0.0.0.0:9464\n", "0.0.0.0:9464")]
    [InlineData("", null)]
    public void The_metrics_address_is_off_unless_set(string line, string? expected)
    {
        var config = UpdateConfigReader.Read([Write("u.conf", $"SERVER=disabled\n{line}")]);

        Assert.Equal(expected, config.MetricsListen?.ToString());
    }

    [Theory]
    [InlineData("localhost:9101")]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.1:0")]
    [InlineData("127.0.0.1:99999")]
    public void A_metrics_address_without_an_IP_and_port_is_refused_naming_the_file_and_line(string value)
    {
        var path = Write("u.conf", $"SERVER=disabled\nKEELSON_METRICS_LISTEN={value}\n");

        var error = Assert.Throws<UpdateConfigException>(() => UpdateConfigReader.Read([path]));

        Assert.Equal($"{path}:2: KEELSON_METRICS_LISTEN '{value}' is not an IP address and port (e.g. 127.0.0.1:9101)", error.Message);
    }

    [Fact]
    public void The_TLS_keys_name_the_CA_and_the_client_certificate_and_key()
    {
        var conf = Write("tls.conf", "SERVER=https://updates.example.com/v1/update/\nKEELSON_SERVER_CA=/etc/keelson/ca.pem\n"
            + "KEELSON_CLIENT_CERT=/etc/keelson/machine.pem\nKEELSON_CLIENT_KEY=/etc/keelson/machine-key.pem\n");

        var config = UpdateConfigReader.Read([conf]);

        Assert.Equal(new Keelson.Tls.ClientTlsSettings("/etc/keelson/ca.pem", "/etc/keelson/machine.pem", "/etc/keelson/machine-key.pem"), config.Tls);
    }

    [Fact]
    public void A_client_certificate_without_its_key_is_refused_with_the_line()
    {
        var conf = Write("tls.conf", "SERVER=https://updates.example.com/v1/update/\nKEELSON_CLIENT_CERT=/etc/keelson/machine.pem\n");

        var e = Assert.Throws<UpdateConfigException>(() => UpdateConfigReader.Read([conf]));

        Assert.Equal($"{conf}:2: KEELSON_CLIENT_CERT is set, but KEELSON_CLIENT_KEY is not: a client certificate needs its private key", e.Message);
    }

    [Fact]
    public void A_relative_CA_path_is_refused()
    {
        var conf = Write("tls.conf", "SERVER=https://updates.example.com/v1/update/\nKEELSON_SERVER_CA=ca.pem\n");

        var e = Assert.Throws<UpdateConfigException>(() => UpdateConfigReader.Read([conf]));

        Assert.Equal($"{conf}:2: KEELSON_SERVER_CA 'ca.pem' is not an absolute path (a PEM file)", e.Message);
    }
}
