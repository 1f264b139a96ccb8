namespace Keelson.Omaha.Tests;

public sealed class OmahaVersionTests
{
    [Theory]
    [InlineData("2512.2.0", "2605.10.0", -1)]
    [InlineData("2605.9.0", "2605.10.0", -1)]
    [InlineData("9", "10", -1)]
    [InlineData("1.10", "1.9", 1)]
    [InlineData("1.2", "1.2.0", 0)]
    [InlineData("1.2.0.0", "1.2", 0)]
    [InlineData("1.2", "1.2.0.1", -1)]
    [InlineData("0.0.0.0", "0", 0)]
    [InlineData("3732.0.0", "3732.0.1", -1)]
    [InlineData("01.2", "1.2", 0)]
    [InlineData("9223372036854775807", "9223372036854775806", 1)]
    [InlineData("1.0.0-alpha", "1.0.0", -1)]
    [InlineData("1.0.0-rc.1", "1.0.0", -1)]
    [InlineData("1.0.0-rc.1", "0.9.9", 1)]
    [InlineData("1.0-alpha", "1.0.0-alpha", 0)]
    [InlineData("1.0.0+build.1", "1.0.0+build.2", 0)]
    [InlineData("1.0.0+build", "1.0.0", 0)]
    [InlineData("1.0.0-alpha+x", "1.0.0-alpha+y", 0)]
    [InlineData("1.0.0-alpha", "1.0.0-alpha.1", -1)]
    [InlineData("1.0.0-alpha.1", "1.0.0-alpha.beta", -1)]
    [InlineData("1.0.0-alpha.beta", "1.0.0-beta", -1)]
    [InlineData("1.0.0-beta", "1.0.0-beta.2", -1)]
    [InlineData("1.0.0-beta.2", "1.0.0-beta.11", -1)]
    [InlineData("1.0.0-beta.11", "1.0.0-rc.1", -1)]
    [InlineData("1.0.0-Z", "1.0.0-a", -1)]
    [InlineData("1.0.0-a-b", "1.0.0-a", 1)]
    public void Versions_order_numerically_with_prereleases_first(string left, string right, int expected)
    {
        var a = OmahaVersion.Parse(left);
        var b = OmahaVersion.Parse(right);

        Assert.Equal(expected, Math.Sign(a.CompareTo(b)));
        Assert.Equal(-expected, Math.Sign(b.CompareTo(a)));
        Assert.Equal(expected, Math.Sign(OmahaVersion.Compare(left, right)));
        Assert.Equal(expected == 0, a == b);
        Assert.Equal(expected != 0, a != b);
        Assert.Equal(expected < 0, a < b);
        Assert.Equal(expected > 0, a > b);
        Assert.Equal(expected <= 0, a <= b);
        Assert.Equal(expected >= 0, a >= b);
        if (expected == 0)
        {
            Assert.Equal(a.GetHashCode(), b.GetHashCode());
            Assert.True(a.Equals((object)b));
        }
    }

    [Fact]
    public void Semver_precedence_example_sorts_in_order()
    {
        string[] expected =
        [
            "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
            "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "2.0.0", "2512.2.0", "2605.10.0",
        ];

        var sorted = expected.Reverse().Select(OmahaVersion.Parse).Order().Select(v => v.ToString());

        Assert.Equal(expected, sorted);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("1.")]
    [InlineData(".1")]
    [InlineData("1..2")]
    [InlineData("a")]
    [InlineData("1.a")]
    [InlineData("v1.2")]
    [InlineData("1.2 ")]
    [InlineData(" 1.2")]
    [InlineData("-1")]
    [InlineData("+1")]
    [InlineData("1,2")]
    [InlineData("1.2-")]
    [InlineData("1.2+")]
    [InlineData("1.2-alpha..1")]
    [InlineData("1.2-alpha.")]
    [InlineData("1.2-al_pha")]
    [InlineData("1.2+b+c")]
    [InlineData("1.2+b-c d")]
    [InlineData("١.٢")]
    [InlineData("9223372036854775808")]
    [InlineData("1.99999999999999999999")]
    [InlineData("1.2-9223372036854775808")]
    public void Invalid_versions_fail_to_parse(string? text)
    {
        Assert.False(OmahaVersion.TryParse(text, out var version));
        Assert.Equal(default, version);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("2605.10.0")]
    [InlineData("1.0.0-x-y.7+build-5.007")]
    [InlineData("1.2+99999999999999999999")]
    [InlineData("9223372036854775807.1")]
    public void Valid_versions_parse_and_print_as_written(string text)
    {
        Assert.True(OmahaVersion.TryParse(text, out var version));
        Assert.Equal(text, version.ToString());
    }

    [Fact]
    public void Parse_names_the_bad_text()
    {
        var e = Assert.Throws<FormatException>(() => OmahaVersion.Parse("2605.x"));

        Assert.Contains("'2605.x'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_refuses_a_bad_version()
    {
        Assert.Throws<FormatException>(() => OmahaVersion.Compare("1.0", "one"));
    }

    [Fact]
    public void Default_is_version_zero()
    {
        Assert.Equal(OmahaVersion.Parse("0.0"), default);
        Assert.Equal("0", default(OmahaVersion).ToString());
        Assert.True(default(OmahaVersion) < OmahaVersion.Parse("0.0.1"));
    }

    [Fact]
    public void Prerelease_is_reported()
    {
        Assert.True(OmahaVersion.Parse("1.0.0-rc.1+b").IsPrerelease);
        Assert.False(OmahaVersion.Parse("1.0.0+b-1").IsPrerelease);
    }

    [Fact]
    public void Equal_versions_collapse_in_a_set()
    {
        var set = new HashSet<OmahaVersion> { OmahaVersion.Parse("1.2"), OmahaVersion.Parse("1.2.0"), OmahaVersion.Parse("1.2.0+x"), OmahaVersion.Parse("1.2.0-rc") };

        Assert.Equal(2, set.Count);
    }

    [Theory]
    [InlineData("2605.10.0", "2512.2.0", true)]
    [InlineData("2512.2.0", "2512.2.0", false)]
    [InlineData("2512.2.0", "2605.10.0", false)]
    [InlineData("0.0.1", OmahaVersion.ForcedUpdate, true)]
    [InlineData("2605.10.0-rc.1", OmahaVersion.ForcedUpdate, true)]
    [InlineData("not-a-version", OmahaVersion.ForcedUpdate, false)]
    [InlineData(null, OmahaVersion.ForcedUpdate, false)]
    [InlineData("2605.10.0", "forcedupdate", false)]
    [InlineData("2605.10.0", "garbage", false)]
    [InlineData("2605.10.0", null, false)]
    public void ForcedUpdate_is_older_than_every_version_and_nothing_else_is_guessed(string? candidate, string? current, bool newer)
    {
        Assert.Equal(newer, OmahaVersion.IsNewer(candidate, current));
    }
}
