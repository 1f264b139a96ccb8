using System.Text;

namespace Keelson.Omaha.Tests;

public sealed class OmahaResponseReaderTests
{
    [Fact]
    public void Body_whose_byte_order_mark_names_an_encoding_it_is_not_in_is_a_format_error()
    {
        // Found by fuzzing (test/fuzz-corpus/omaha-response): 00 00 FE FF is a UTF-32 byte-order mark, and XmlReader
        // throws its XmlException while it is still being created, on the first characters it decodes.
        byte[] body = [0x00, 0x00, 0xfe, 0xff, .. "l versio\xcc\xcc\xcc\xed<response protocol=\"3.0\"/>"u8];

        var e = Assert.Throws<OmahaFormatException>(() => OmahaResponseReader.Read(body));

        Assert.Equal("line 1, position 1: malformed XML: Invalid character in the given encoding.", e.Message);
    }

    [Fact]
    public void Update_sample_reads_every_value()
    {
        var response = OmahaResponseReader.Read(Samples.Bytes(Samples.UpdateResponse));

        Assert.Equal(Samples.UpdateResponseValue, response);
        var updateCheck = response.Apps[0].UpdateCheck!;
        Assert.Equal("keelson", response.Server);
        Assert.Equal(["https://updates.example.com/amd64-usr/3732.0.0/"], updateCheck.Codebases!);
        Assert.Equal(382137917, updateCheck.Manifest!.Packages[0].Size);
        Assert.Equal(updateCheck.Manifest.Action.Sha256Base64, updateCheck.Manifest.Packages[0].Sha256Base64);
        Assert.Equal("{e96281a6-d1af-4bde-9a0a-97b76e56dc57}", response.Apps[0].AppId);
        Assert.True(updateCheck.Manifest.Action.DisablePayloadBackoff);
        Assert.False(updateCheck.Manifest.Action.IsDeltaPayload);
        Assert.Null(updateCheck.PollIntervalSeconds);
        Assert.Equal(1, response.Apps[0].EventCount);
    }

    [Fact]
    public void Noupdate_sample_reads_every_value()
    {
        var response = OmahaResponseReader.Read(Samples.Bytes(Samples.NoUpdateResponse));

        Assert.Equal(Samples.NoUpdateResponseValue, response);
        Assert.Null(response.Apps[0].UpdateCheck!.Codebases);
        Assert.Null(response.Apps[0].UpdateCheck!.Manifest);
    }

    [Fact]
    public void Missing_server_daystart_and_required_read_as_empty_zero_and_true()
    {
        var response = Read(
            "<app appid=\"a\" status=\"ok\"><updatecheck status=\"ok\"><urls/><manifest version=\"1\">" +
            "<packages><package name=\"n\" hash=\"h\" size=\"1\"/></packages>" +
            "<actions><action event=\"install\"/><action event=\"postinstall\" sha256=\"s\"/></actions>" +
            "</manifest></updatecheck></app>",
            server: null);

        Assert.Equal("", response.Server);
        Assert.Equal(0, response.DaystartElapsedSeconds);
        var updateCheck = response.Apps[0].UpdateCheck!;
        Assert.Empty(updateCheck.Codebases!);
        Assert.True(updateCheck.Manifest!.Packages[0].Required);
        Assert.Equal(new OmahaPostInstallAction("s", DisablePayloadBackoff: false), updateCheck.Manifest.Action);
    }

    [Fact]
    public void Manifest_without_postinstall_action_is_refused()
    {
        var e = Assert.Throws<OmahaFormatException>(() => Read(
            "<app appid=\"a\" status=\"ok\"><updatecheck status=\"ok\">\n<manifest version=\"1\"><actions><action event=\"install\"/></actions></manifest></updatecheck></app>"));

        Assert.Equal("line 2: <manifest> has no <action event=\"postinstall\">", e.Message);
    }

    [Theory]
    [InlineData("<app status=\"ok\"/>", "<app> attribute 'appid' is missing")]
    [InlineData("<app appid=\"a\"/>", "<app> attribute 'status' is missing")]
    [InlineData("<app appid=\"a\" status=\"ok\"><updatecheck/></app>", "<updatecheck> attribute 'status' is missing")]
    [InlineData("<app appid=\"a\" status=\"ok\"><updatecheck status=\"ok\"><urls><url/></urls></updatecheck></app>", "<url> attribute 'codebase' is missing")]
    [InlineData("<app appid=\"a\" status=\"ok\"><updatecheck status=\"ok\"><manifest/></updatecheck></app>", "<manifest> attribute 'version' is missing")]
    [InlineData("<app appid=\"a\" status=\"ok\"><updatecheck status=\"ok\"><manifest version=\"1\"><packages><package name=\"n\" hash=\"h\"/></packages></manifest></updatecheck></app>", "<package> attribute 'size' is missing")]
    [InlineData("<app appid=\"a\" status=\"ok\"><updatecheck status=\"ok\"><manifest version=\"1\"><packages><package name=\"n\" hash=\"h\" size=\"big\"/></packages></manifest></updatecheck></app>", "<package> attribute 'size' is not an integer: 'big'")]
    [InlineData("<app appid=\"a\" status=\"ok\"><updatecheck status=\"ok\" PollInterval=\"soon\"/></app>", "<updatecheck> attribute 'PollInterval' is not an integer: 'soon'")]
    [InlineData("<app appid=\"a\" status=\"ok\"><updatecheck status=\"ok\"><manifest version=\"1\"><actions><action event=\"postinstall\"/></actions></manifest></updatecheck></app>", "<action> attribute 'sha256' is missing")]
    [InlineData("<daystart elapsed_seconds=\"noon\"/>", "<daystart> attribute 'elapsed_seconds' is not an integer: 'noon'")]
    public void Broken_responses_are_refused_naming_what_is_wrong(string body, string message)
    {
        var e = Assert.Throws<OmahaFormatException>(() => Read(body));

        Assert.Equal($"line 1: {message}", e.Message);
    }

    [Fact]
    public void Wrong_root_and_protocol_are_refused()
    {
        var root = Assert.Throws<OmahaFormatException>(() => OmahaResponseReader.Read(Samples.Bytes(Samples.UpdateCheck)));
        var protocol = Assert.Throws<OmahaFormatException>(() => OmahaResponseReader.Read(Samples.Utf8("<response protocol=\"2.0\"/>")));

        Assert.Equal("line 2: the root element is <request>; expected <response>", root.Message);
        Assert.Equal("line 1: <response> protocol is '2.0'; only '3.0' is supported", protocol.Message);
    }

    [Fact]
    public void Dtd_is_refused()
    {
        var xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE response [<!ENTITY a \"b\">]>\n<response protocol=\"3.0\" server=\"&a;\"/>";

        var e = Assert.Throws<OmahaFormatException>(() => OmahaResponseReader.Read(Samples.Utf8(xml)));

        Assert.Contains("<!DOCTYPE> is not allowed", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Oversize_response_is_refused()
    {
        var e = Assert.Throws<OmahaFormatException>(() => OmahaResponseReader.Read(new byte[70_000]));

        Assert.Equal("response is 70000 bytes; the limit is 65536", e.Message);
    }

    [Fact]
    public void Too_many_codebases_are_refused()
    {
        var urls = string.Concat(Enumerable.Repeat("<url codebase=\"u\"/>", 33));

        var e = Assert.Throws<OmahaFormatException>(() => Read($"<app appid=\"a\" status=\"ok\"><updatecheck status=\"ok\"><urls>{urls}</urls></updatecheck></app>"));

        Assert.Equal("line 1: <urls> has more than 32 <url> elements", e.Message);
    }

    [Fact]
    public void Events_are_counted_whatever_their_status()
    {
        var response = Read("<app appid=\"a\" status=\"ok\"><event status=\"ok\"/><event/><event status=\"x\"></event></app>");

        Assert.Equal(3, response.Apps[0].EventCount);
        Assert.False(response.Apps[0].Ping);
        Assert.Null(response.Apps[0].UpdateCheck);
    }

    [Fact]
    public void Unknown_elements_and_attributes_are_ignored()
    {
        var response = Read(
            "<systemrequirements platform=\"linux\"/><daystart elapsed_seconds=\"5\" elapsed_days=\"6000\"/>" +
            "<app appid=\"a\" status=\"ok\" cohort=\"1\"><data status=\"ok\"/><updatecheck status=\"noupdate\" extra=\"x\"><future/></updatecheck></app>");

        Assert.Equal(new OmahaResponse([new OmahaAppResponse("a", "ok", false, new OmahaUpdateCheckResponse("noupdate"), 0)], 5), response);
    }

    [Fact]
    public void Malformed_response_names_line_and_position()
    {
        var e = Assert.Throws<OmahaFormatException>(() => OmahaResponseReader.Read(Samples.Utf8("<response protocol=\"3.0\">\n<app appid=\"a\" status=\"ok\">\n</response>")));

        Assert.Equal(3, e.Line);
        Assert.StartsWith("line 3, position ", e.Message, StringComparison.Ordinal);
    }

    private static OmahaResponse Read(string body, string? server = "keelson")
    {
        var serverAttribute = server is null ? "" : $" server=\"{server}\"";
        return OmahaResponseReader.Read(Encoding.UTF8.GetBytes($"<response protocol=\"3.0\"{serverAttribute}>{body}</response>"));
    }
}
