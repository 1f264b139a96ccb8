using System.Runtime.CompilerServices;
using Keelson.Agent.Configuration;
using Keelson.Coordination;
using Microsoft.Extensions.Time.Testing;

namespace Keelson.CloudConfig.Tests;

/// <summary>
/// Real cloud-configs of the kind the CoreOS documentation shows, applied to a Flatcar-like root and compared byte for
/// byte with Samples/NAME/expected. After a deliberate change of behaviour, run the tests with
/// KEELSON_UPDATE_EXPECTED=1 to rewrite the expected folders, and review the diff.
/// </summary>
public sealed class SampleTests
{
    /// <summary>The apply's clock: day 20089 since the epoch, which new /etc/shadow lines carry.</summary>
    internal static readonly DateTimeOffset Today = new(2025, 1, 1, 9, 30, 0, TimeSpan.Zero);

    internal static readonly IpSubstitutions Addresses = new(PublicIpv4: "203.0.113.11", PrivateIpv4: "10.0.0.11");

    [Theory]
    [InlineData("etcd-cluster")]
    [InlineData("units-and-files")]
    [InlineData("users")]
    public void Applying_a_sample_writes_exactly_the_expected_files(string sample)
    {
        using var root = TestRoot.Flatcar();

        ApplySample(sample, root.Path);

        if (Environment.GetEnvironmentVariable("KEELSON_UPDATE_EXPECTED") == "1")
        {
            TreeSnapshot.Take(root.Path).WriteExpected(Path.Combine(SourceDirectory(), "Samples", sample, "expected"));
        }

        TreeSnapshot.AssertMatches(sample, root.Path);
    }

    [Theory]
    [InlineData("etcd-cluster")]
    [InlineData("units-and-files")]
    [InlineData("users")]
    public void Applying_a_sample_twice_changes_nothing_the_second_time(string sample)
    {
        using var root = TestRoot.Flatcar();
        ApplySample(sample, root.Path);
        var first = TreeSnapshot.Take(root.Path);

        var second = ApplySample(sample, root.Path, Today.AddDays(40));

        TreeSnapshot.Take(root.Path).AssertEqual(first);
        Assert.All(second.Changes, change => Assert.Equal("unchanged", change.Action));
    }

    [Fact]
    public void The_etcd_cluster_sample_reports_what_it_wrote_and_what_it_did_not_run()
    {
        using var root = TestRoot.Flatcar();

        var result = ApplySample("etcd-cluster", root.Path);

        Assert.Contains(result.Changes, c => c.ToString() == "linked /etc/systemd/system/sockets.target.wants/docker-tcp.socket (-> /etc/systemd/system/docker-tcp.socket)");
        Assert.Contains(result.Changes, c => c.ToString() == "wrote /etc/keelson/locks.conf (0600)");
        Assert.Contains(result.Changes, c => c.ToString() == "wrote /home/core/.ssh/authorized_keys (0600 500:500)");
        Assert.Contains("not run: systemctl start etcd2.service (apply writes files only)", result.Notes);
    }

    [Fact]
    public void The_agent_reads_the_update_conf_and_reboot_window_written_for_an_etcd_cluster()
    {
        using var root = TestRoot.Flatcar();

        ApplySample("etcd-cluster", root.Path);
        var config = UpdateConfigReader.Read(UpdateConfig.DefaultPaths.Select(root.HostPath));

        Assert.Equal("beta", config.Group);
        Assert.Equal(new Uri("https://updates.example.com/v1/update/"), config.Server);
        Assert.Equal(RebootStrategy.EtcdLock, config.RebootStrategy);
        Assert.True(TimeWindow.TryParseLocksmith("Thu 04:00", "1h", out var window, out _));
        var read = Assert.Single(config.RebootWindows.Windows);
        Assert.Equal(window!.Start, read.Start);
        Assert.Equal(window.Length, read.Length);
        Assert.Equal(window.Days, read.Days);
        // locks.conf, written from the locksmith section, is read after update.conf.
        Assert.Equal([new Uri("http://127.0.0.1:2379")], config.Locks.Etcd!.Endpoints);
        Assert.Equal("etcd-members", config.Locks.EtcdGroup);
    }

    [Fact]
    public void The_agent_reads_update_settings_merged_into_an_update_conf_from_write_files()
    {
        using var root = TestRoot.Flatcar();

        ApplySample("units-and-files", root.Path);
        var config = UpdateConfigReader.Read(UpdateConfig.DefaultPaths.Select(root.HostPath));

        Assert.Equal("alpha", config.Group);
        Assert.Equal(new Uri("https://updates.internal.example.com/v1/update/"), config.Server);
        Assert.Equal(RebootStrategy.Off, config.RebootStrategy);
        Assert.Empty(config.RebootWindows.Windows);
        Assert.Equal(["/etc/keelson/release.pub"], config.TrustedKeys);
    }

    [Fact]
    public void The_lock_settings_file_reads_back_with_the_update_conf_parser()
    {
        using var root = TestRoot.Flatcar();

        ApplySample("etcd-cluster", root.Path);
        var settings = UpdateConfigReader.Parse(root.Read(CloudConfigApplier.LocksConfPath), CloudConfigApplier.LocksConfPath)
            .ToDictionary(s => s.Key, s => s.Value);

        Assert.Equal(new Dictionary<string, string>
        {
            ["LOCKSMITHD_ENDPOINT"] = "http://127.0.0.1:2379",
            ["LOCKSMITHD_GROUP"] = "etcd-members",
        }, settings);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(root.HostPath(CloudConfigApplier.LocksConfPath)));
    }

    internal static ApplyResult ApplySample(string sample, string root, DateTimeOffset? now = null)
    {
        var document = CloudConfigDocument.Parse(File.ReadAllBytes(Path.Combine(TestRoot.Samples, sample, "cloud-config.yml")), Addresses);
        Assert.True(document.Report.IsClean, string.Join('\n', document.Report.Entries));
        return new CloudConfigApplier(new FakeTimeProvider(now ?? Today)).Apply(document, root);
    }

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
