namespace Keelson.Coordination.Tests;

public sealed class GoDurationTests
{
    [Theory]
    [InlineData("1h30m", 5400)]
    [InlineData("45m", 2700)]
    [InlineData("90s", 90)]
    [InlineData("2d", 172800)]
    [InlineData("0", 0)]
    [InlineData("1h0m0s", 3600)]
    public void Durations_parse_in_go_notation(string text, int seconds)
    {
        Assert.True(GoDuration.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromSeconds(seconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("h")]
    [InlineData("10")]
    [InlineData("1x")]
    [InlineData("-1h")]
    [InlineData("1.5h")]
    [InlineData("99999999999999999999h")]
    public void Other_text_is_not_a_duration(string text) => Assert.False(GoDuration.TryParse(text, out _));

    [Theory]
    [InlineData(5400, "1h30m")]
    [InlineData(36 * 3600, "36h")]
    [InlineData(61, "1m1s")]
    [InlineData(0, "0")]
    public void Durations_format_back(int seconds, string text) => Assert.Equal(text, GoDuration.Format(TimeSpan.FromSeconds(seconds)));
}
