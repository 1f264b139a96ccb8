namespace Keelson.Omaha.Tests;

public sealed class OmahaAppIdTests
{
    [Theory]
    [InlineData("{E96281A6-D1AF-4BDE-9A0A-97B76E56DC57}", "e96281a6-d1af-4bde-9a0a-97b76e56dc57")]
    [InlineData("{e96281a6-d1af-4bde-9a0a-97b76e56dc57}", "e96281a6-d1af-4bde-9a0a-97b76e56dc57")]
    [InlineData("  { e96281a6-d1af-4bde-9a0a-97b76e56dc57 }\t", "e96281a6-d1af-4bde-9a0a-97b76e56dc57")]
    [InlineData("e96281a6-d1af-4bde-9a0a-97b76e56dc57", "e96281a6-d1af-4bde-9a0a-97b76e56dc57")]
    [InlineData("MyApp", "myapp")]
    [InlineData("ÄPP", "äpp")]
    [InlineData("{}", "")]
    [InlineData("", "")]
    public void Normalize_strips_braces_and_whitespace_and_lower_cases(string appId, string expected)
    {
        Assert.Equal(expected, OmahaAppId.Normalize(appId));
    }

    [Fact]
    public void Normalized_id_is_returned_as_is()
    {
        var appId = OmahaAppId.CoreOS;

        Assert.Same(appId, OmahaAppId.Normalize(appId));
    }

    [Fact]
    public void App_request_exposes_the_normalized_id()
    {
        var app = new OmahaAppRequest { AppId = "{E96281A6-D1AF-4BDE-9A0A-97B76E56DC57}" };

        Assert.Equal(OmahaAppId.CoreOS, app.NormalizedAppId);
    }
}
