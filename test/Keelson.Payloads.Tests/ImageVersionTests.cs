namespace Keelson.Payloads.Tests;

public sealed class ImageVersionTests
{
    [Theory]
    [InlineData("2605.10.0", "2605.9.0", 1)]
    [InlineData("2605.10.0", "2605.10.0", 0)]
    [InlineData("2605.10", "2605.10.0", 0)]
    [InlineData("2605.10.0+build5", "2605.10.0", 0)]
    [InlineData("2605.10.0-rc.1", "2605.10.0", -1)]
    [InlineData("2605.10.0-rc.2", "2605.10.0-rc.10", -1)]
    [InlineData("2605.10.0-alpha", "2605.10.0-1", 1)]
    [InlineData("2605.10.0-rc", "2605.10.0-rc.1", -1)]
    [InlineData("3000.0.0", "2999.99.99", 1)]
    public void Versions_compare_numerically_with_prereleases_below_releases(string left, string right, int expected)
    {
        Assert.Equal(expected, Math.Sign(ImageVersion.Compare(left, right)));
        Assert.Equal(-expected, Math.Sign(ImageVersion.Compare(right, left)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("2605..0")]
    [InlineData("v2605.10.0")]
    [InlineData("2605.10.0-")]
    [InlineData("2605.10.0 ")]
    [InlineData("2605.10.0-rc!")]
    [InlineData("1234567890123456789.0")]
    public void Malformed_versions_are_not_valid(string text)
    {
        Assert.False(ImageVersion.IsValid(text));
        Assert.Throws<FormatException>(() => ImageVersion.Compare(text, "1.0.0"));
    }

    [Fact]
    public void Versions_longer_than_the_format_allows_are_not_valid() =>
        Assert.False(ImageVersion.IsValid(string.Join('.', Enumerable.Repeat("1234", 14))));
}
