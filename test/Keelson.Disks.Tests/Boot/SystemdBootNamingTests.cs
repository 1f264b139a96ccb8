using Keelson.Disks.Boot;

namespace Keelson.Disks.Tests.Boot;

/// <summary>Entry names and version order as systemd-boot reads them.</summary>
public sealed class SystemdBootNamingTests
{
    [Theory]
    [InlineData("keelson-1.0.0-A.conf", "keelson-1.0.0-A", null, null)]
    [InlineData("keelson-1.0.0-B+1.conf", "keelson-1.0.0-B", 1, 0)]
    [InlineData("keelson-1.0.0-B+0-1.conf", "keelson-1.0.0-B", 0, 1)]
    [InlineData("keelson-1.0.0-B+12-345.CONF", "keelson-1.0.0-B", 12, 345)]
    [InlineData("a+b+3.conf", "a+b", 3, 0)]
    [InlineData("foo+.conf", "foo+", null, null)]
    [InlineData("foo+-3.conf", "foo+-3", null, null)]
    [InlineData("foo+3-.conf", "foo+3-", null, null)]
    [InlineData("foo+3-1-2.conf", "foo+3-1-2", null, null)]
    [InlineData("foo+x.conf", "foo+x", null, null)]
    [InlineData("foo+99999999999.conf", "foo+99999999999", null, null)]
    public void Names_parse_as_systemd_boot_parses_them(string fileName, string name, int? left, int? done)
    {
        var parsed = SystemdBootEntryName.Parse(fileName);

        Assert.Equal(new SystemdBootEntryName(fileName, name, left, done), parsed);
    }

    [Theory]
    [InlineData(".keelson-1.0.0-A.conf")]
    [InlineData("auto-windows.conf")]
    [InlineData("keelson-1.0.0-A.conf.keelson-new")]
    [InlineData("keelson-1.0.0-A")]
    public void Files_systemd_boot_skips_are_no_entries(string fileName)
    {
        Assert.Null(SystemdBootEntryName.Parse(fileName));
    }

    [Theory]
    [InlineData("k+3.conf", "k+2-1.conf")]
    [InlineData("k+2-1.conf", "k+1-2.conf")]
    [InlineData("k+1.conf", "k+0-1.conf")]
    [InlineData("k+0-1.conf", "k+0-2.conf")]
    [InlineData("k.conf", null)]
    public void A_boot_renames_a_counted_entry_as_systemd_boot_does(string before, string? after)
    {
        Assert.Equal(after, SystemdBootEntryName.Parse(before)!.NextFileName);
    }

    [Fact]
    public void Versions_sort_in_systemds_documented_order()
    {
        // Oldest to newest, the order systemd's strverscmp_improved() documents.
        string[] versions = ["122.1", "123~rc1-1", "123", "123-a", "123-a.1", "123-1", "123-1.1", "123^post1", "123.a-1", "123.1-1", "123a-1", "124-1"];

        for (var i = 0; i < versions.Length; i++)
        {
            for (var j = 0; j < versions.Length; j++)
            {
                Assert.True(
                    Math.Sign(SystemdVersionComparer.Instance.Compare(versions[i], versions[j])) == Math.Sign(i.CompareTo(j)),
                    $"{versions[i]} vs {versions[j]}");
            }
        }
    }

    [Theory]
    [InlineData("keelson-2605.10.0-a.conf", "keelson-2605.9.1-b.conf")]
    [InlineData("keelson-1.10.0-a.conf", "keelson-1.9.0-b+1.conf")]
    [InlineData("keelson-1.0.0-b+1.conf", "keelson-1.0.0-a.conf")]
    [InlineData("keelson-00123-a.conf", "keelson-99-b.conf")]
    public void The_newer_entry_name_compares_greater(string newer, string older)
    {
        Assert.True(SystemdVersionComparer.Instance.Compare(newer, older) > 0);
        Assert.True(SystemdVersionComparer.Instance.Compare(older, newer) < 0);
    }

    [Theory]
    [InlineData("1.0 beta")]
    [InlineData("1/0")]
    [InlineData("")]
    public void A_version_that_cannot_name_an_entry_is_refused(string version)
    {
        Assert.ThrowsAny<ArgumentException>(() => SystemdBootEntries.EntryName(version, UsrSlotName.A));
    }
}
