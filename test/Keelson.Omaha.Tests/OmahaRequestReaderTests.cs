using System.Text;

namespace Keelson.Omaha.Tests;

public sealed class OmahaRequestReaderTests
{
    [Fact]
    public void Body_whose_byte_order_mark_names_an_encoding_it_is_not_in_is_a_format_error()
    {
        // Found by fuzzing (test/fuzz-corpus/omaha-response): 00 00 FE FF is a UTF-32 byte-order mark, and XmlReader
        // throws its XmlException while it is still being created, on the first characters it decodes.
        byte[] body = [0x00, 0x00, 0xfe, 0xff, .. "l versio\xcc\xcc\xcc\xed<request protocol=\"3.0\"/>"u8];

        var e = Assert.Throws<OmahaFormatException>(() => OmahaRequestReader.Read(body));

        Assert.Equal("line 1, position 1: malformed XML: Invalid character in the given encoding.", e.Message);
    }

    private const string Declaration = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

    [Fact]
    public void Updatecheck_sample_reads_every_value()
    {
        var request = OmahaRequestReader.Read(Samples.Bytes(Samples.UpdateCheck));

        var expected = Samples.Request(Samples.App() with
        {
            Ping = new OmahaPing(Active: true),
            UpdateCheck = true,
            Events = [new OmahaEvent(OmahaEventType.UpdateComplete, OmahaEventResult.SuccessReboot, ErrorCode: null, PreviousVersion: "")],
        });
        Assert.Equal(expected, request);
    }

    [Fact]
    public void Updatecheck_sample_spells_out_each_field()
    {
        var request = OmahaRequestReader.Read(Samples.Bytes(Samples.UpdateCheck));

        Assert.Equal("3.0", request.Protocol);
        Assert.Equal("update_engine-0.4.10", request.Version);
        Assert.Equal("update_engine-0.4.10", request.UpdaterVersion);
        Assert.Equal("scheduler", request.InstallSource);
        Assert.True(request.IsMachine);
        Assert.Equal(new OmahaOs("Chateau", "CoreOS", "2512.2.0_x86_64", null), request.Os);
        var app = Assert.Single(request.Apps);
        Assert.Equal("{e96281a6-d1af-4bde-9a0a-97b76e56dc57}", app.AppId);
        Assert.Equal("e96281a6-d1af-4bde-9a0a-97b76e56dc57", app.NormalizedAppId);
        Assert.Equal("2512.2.0", app.Version);
        Assert.Equal("stable", app.Track);
        Assert.Equal("{965fb4c5-ad3e-4eb7-a4c2-ca0c0e31ec84}", app.BootId);
        Assert.Equal("ami", app.Oem);
        Assert.Equal("0.1.1-r1", app.OemVersion);
        Assert.Equal("1688.5.3", app.AlephVersion);
        Assert.Equal("abce671d61774703ac7be60715220bfe", app.MachineId);
        Assert.Equal("", app.MachineAlias);
        Assert.Equal("en-US", app.Lang);
        Assert.Equal("amd64-usr", app.Board);
        Assert.Equal("", app.HardwareClass);
        Assert.False(app.DeltaOkay);
        Assert.Equal(new OmahaPing(true), app.Ping);
        Assert.True(app.UpdateCheck);
        var e = Assert.Single(app.Events);
        Assert.Equal(OmahaEventType.UpdateComplete, e.Type);
        Assert.Equal(OmahaEventResult.SuccessReboot, e.Result);
        Assert.Null(e.ErrorCode);
        Assert.Equal("", e.PreviousVersion);
    }

    [Fact]
    public void Userid_of_the_request_is_read_from_the_go_omaha_sample()
    {
        var request = OmahaRequestReader.Read(Samples.Bytes(Samples.UserIdRequest));

        Assert.Equal("7a8c3f21d04e4b6f9e15a2c6b3d8f409", request.UserId);
        var app = Assert.Single(request.Apps);
        Assert.Null(app.MachineId);
        Assert.Null(app.UserId);
    }

    [Fact]
    public void Userid_of_the_app_is_read_from_the_older_omaha_sample()
    {
        var request = OmahaRequestReader.Read(Samples.Bytes(Samples.AppUserIdRequest));

        Assert.Null(request.UserId);
        var app = Assert.Single(request.Apps);
        Assert.Null(app.MachineId);
        Assert.Equal("{B36F0C52-71D4-4E9A-8C2F-5E1D3A7B9046}", app.UserId);
    }

    [Fact]
    public void Forced_update_sample_keeps_its_version_word()
    {
        var app = Assert.Single(OmahaRequestReader.Read(Samples.Bytes(Samples.ForcedUpdateRequest)).Apps);

        Assert.Equal(OmahaVersion.ForcedUpdate, app.Version);
        Assert.True(app.UpdateCheck);
    }

    [Fact]
    public void Rollback_sample_carries_error_44()
    {
        var request = OmahaRequestReader.Read(Samples.Bytes(Samples.Rollback));

        var expected = Samples.Request(Samples.App(bootId: "{1d2c3b4a-0000-4eb7-a4c2-ca0c0e31ec84}") with
        {
            Ping = new OmahaPing(Active: true),
            UpdateCheck = true,
            Events = [new OmahaEvent(OmahaEventType.UpdateComplete, OmahaEventResult.Error, OmahaErrorCodes.Rollback, PreviousVersion: null)],
        });
        Assert.Equal(expected, request);
        Assert.Equal("rollback (44)", OmahaErrorCodes.Describe(request.Apps[0].Events[0].ErrorCode!.Value));
    }

    [Fact]
    public void Download_started_sample_is_an_event_without_ping_or_updatecheck()
    {
        var request = OmahaRequestReader.Read(Samples.Bytes(Samples.DownloadStarted));

        var expected = Samples.Request(Samples.App() with
        {
            Events = [new OmahaEvent(OmahaEventType.UpdateDownloadStarted, OmahaEventResult.Success, ErrorCode: null, PreviousVersion: null)],
        });
        Assert.Equal(expected, request);
        Assert.Null(request.Apps[0].Ping);
        Assert.False(request.Apps[0].UpdateCheck);
    }

    [Fact]
    public void Error_sample_keeps_the_flagged_error_code_whole()
    {
        var request = OmahaRequestReader.Read(Samples.Bytes(Samples.EventError));

        var expected = Samples.Request(Samples.App() with
        {
            Events = [new OmahaEvent(OmahaEventType.UpdateComplete, OmahaEventResult.Error, 268435466L, PreviousVersion: null)],
        });
        Assert.Equal(expected, request);
        Assert.Equal("payload hash mismatch (10) [test Omaha URL]", OmahaErrorCodes.Describe(268435466L));
    }

    [Theory]
    [InlineData("previousversion=\"\"", "")]
    [InlineData("previousversion=\"0.0.0.0\"", "0.0.0.0")]
    [InlineData("previousversion=\"2512.2.0\"", "2512.2.0")]
    [InlineData("", null)]
    public void Previousversion_keeps_empty_zero_and_missing_apart(string attribute, string? expected)
    {
        var request = Read($"<app appid=\"a\"><event eventtype=\"3\" eventresult=\"2\" {attribute}/></app>");

        Assert.Equal(expected, request.Apps[0].Events[0].PreviousVersion);
    }

    [Fact]
    public void Empty_string_attributes_stay_empty_and_missing_ones_are_null()
    {
        var app = Read("<app appid=\"a\" version=\"\" track=\"\"/>").Apps[0];

        Assert.Equal("", app.Version);
        Assert.Equal("", app.Track);
        Assert.Null(app.BootId);
        Assert.Null(app.MachineId);
        Assert.Empty(app.Events);
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("true", true)]
    [InlineData("True", true)]
    [InlineData("0", false)]
    [InlineData("false", false)]
    [InlineData("", false)]
    [InlineData("yes", false)]
    public void Booleans_accept_one_and_true(string value, bool expected)
    {
        var request = OmahaRequestReader.Read(Samples.Utf8(
            $"<request protocol=\"3.0\" ismachine=\"{value}\"><app appid=\"a\" delta_okay=\"{value}\"><ping active=\"{value}\"/></app></request>"));

        Assert.Equal(expected, request.IsMachine);
        Assert.Equal(expected, request.Apps[0].DeltaOkay);
        Assert.Equal(expected, request.Apps[0].Ping!.Active);
    }

    [Fact]
    public void Missing_os_and_ismachine_read_as_null_and_false()
    {
        var request = Read("<app appid=\"a\"/>");

        Assert.Null(request.Os);
        Assert.False(request.IsMachine);
        Assert.Null(request.Version);
    }

    [Fact]
    public void Os_arch_is_read_when_sent()
    {
        var request = Read("<os platform=\"Flatcar\" arch=\"arm64\"/><app appid=\"a\"/>");

        Assert.Equal(new OmahaOs(null, "Flatcar", null, "arm64"), request.Os);
    }

    [Fact]
    public void Unknown_event_types_and_results_keep_their_numbers()
    {
        var e = Read("<app appid=\"a\"><event eventtype=\"800\" eventresult=\"55\"/></app>").Apps[0].Events[0];

        Assert.Equal((OmahaEventType)800, e.Type);
        Assert.Equal((OmahaEventResult)55, e.Result);
    }

    [Theory]
    [InlineData("268435466", 268435466L)]
    [InlineData("-2147483604", -2147483604L)]
    [InlineData("9223372036854775807", long.MaxValue)]
    [InlineData("0", 0L)]
    public void Errorcode_takes_any_64_bit_value(string value, long expected)
    {
        var e = Read($"<app appid=\"a\"><event eventtype=\"3\" eventresult=\"0\" errorcode=\"{value}\"/></app>").Apps[0].Events[0];

        Assert.Equal(expected, e.ErrorCode);
    }

    [Theory]
    [InlineData("eventtype", "abc")]
    [InlineData("eventtype", "")]
    [InlineData("eventtype", " 3")]
    [InlineData("eventtype", "3 ")]
    [InlineData("eventtype", "+3")]
    [InlineData("eventtype", "0x10")]
    [InlineData("eventtype", "3.0")]
    [InlineData("eventresult", "1e3")]
    [InlineData("eventresult", "١")]
    [InlineData("errorcode", "9223372036854775808")]
    [InlineData("errorcode", "ten")]
    public void Bad_integers_name_the_attribute_and_line(string attribute, string value)
    {
        var attributes = attribute switch
        {
            "eventtype" => $"eventtype=\"{value}\" eventresult=\"1\"",
            "eventresult" => $"eventtype=\"3\" eventresult=\"{value}\"",
            _ => $"eventtype=\"3\" eventresult=\"0\" errorcode=\"{value}\"",
        };
        var xml = $"<request protocol=\"3.0\">\n<app appid=\"a\">\n<event {attributes}/>\n</app>\n</request>";

        var e = Assert.Throws<OmahaFormatException>(() => OmahaRequestReader.Read(Samples.Utf8(xml)));

        Assert.Equal($"line 3: <event> attribute '{attribute}' is not an integer: '{value}'", e.Message);
        Assert.Equal(3, e.Line);
    }

    [Fact]
    public void Eventtype_beyond_32_bits_is_out_of_range()
    {
        var e = Assert.Throws<OmahaFormatException>(() => Read("<app appid=\"a\"><event eventtype=\"4294967296\" eventresult=\"1\"/></app>"));

        Assert.Equal("line 1: <event> attribute 'eventtype' is out of range: '4294967296'", e.Message);
    }

    [Theory]
    [InlineData("eventresult=\"1\"", "eventtype")]
    [InlineData("eventtype=\"3\"", "eventresult")]
    public void Event_needs_type_and_result(string attributes, string missing)
    {
        var e = Assert.Throws<OmahaFormatException>(() => Read($"<app appid=\"a\">\n<event {attributes}/></app>"));

        Assert.Equal($"line 2: <event> attribute '{missing}' is missing", e.Message);
    }

    [Fact]
    public void Missing_appid_is_refused_naming_the_line()
    {
        var xml = Declaration + "<request protocol=\"3.0\">\n<app version=\"1.0.0\"></app></request>";

        var e = Assert.Throws<OmahaFormatException>(() => OmahaRequestReader.Read(Samples.Utf8(xml)));

        Assert.Equal("line 3: <app> attribute 'appid' is missing", e.Message);
        Assert.Equal(3, e.Line);
        Assert.Equal(2, e.Position);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void Blank_appid_is_refused(string appId)
    {
        var e = Assert.Throws<OmahaFormatException>(() => Read($"<app appid=\"{appId}\"/>"));

        Assert.Equal("line 1: <app> attribute 'appid' is empty", e.Message);
    }

    [Fact]
    public void Request_without_app_is_refused()
    {
        var e = Assert.Throws<OmahaFormatException>(() => OmahaRequestReader.Read(Samples.Utf8("<request protocol=\"3.0\"><os/></request>")));

        Assert.Equal("line 1: <request> has no <app>", e.Message);
    }

    [Fact]
    public void Wrong_root_is_refused()
    {
        var xml = Declaration + "<response protocol=\"3.0\"><app appid=\"a\"/></response>";

        var e = Assert.Throws<OmahaFormatException>(() => OmahaRequestReader.Read(Samples.Utf8(xml)));

        Assert.Equal("line 2: the root element is <response>; expected <request>", e.Message);
    }

    [Theory]
    [InlineData("2.0")]
    [InlineData("")]
    [InlineData("3")]
    public void Other_protocol_is_refused_naming_it(string protocol)
    {
        var xml = Declaration + $"<request protocol=\"{protocol}\"><app appid=\"a\"/></request>";

        var e = Assert.Throws<OmahaFormatException>(() => OmahaRequestReader.Read(Samples.Utf8(xml)));

        Assert.Equal($"line 2: <request> protocol is '{protocol}'; only '3.0' is supported", e.Message);
    }

    [Fact]
    public void Missing_protocol_is_refused()
    {
        var e = Assert.Throws<OmahaFormatException>(() => OmahaRequestReader.Read(Samples.Utf8("<request><app appid=\"a\"/></request>")));

        Assert.Equal("line 1: <request> attribute 'protocol' is missing", e.Message);
    }

    [Fact]
    public void Oversize_request_is_refused_before_parsing()
    {
        var bytes = new byte[OmahaRequestReader.MaxRequestBytes + 1];

        var e = Assert.Throws<OmahaFormatException>(() => OmahaRequestReader.Read(bytes));

        Assert.Equal("request is 65537 bytes; the limit is 65536", e.Message);
    }

    [Fact]
    public void Request_of_exactly_the_limit_is_read()
    {
        var xml = "<request protocol=\"3.0\"><app appid=\"a\"/></request>";
        xml += new string(' ', OmahaRequestReader.MaxRequestBytes - xml.Length);

        var request = OmahaRequestReader.Read(Samples.Utf8(xml));

        Assert.Equal("a", request.Apps[0].AppId);
    }

    [Fact]
    public void Empty_request_is_refused()
    {
        var e = Assert.Throws<OmahaFormatException>(() => OmahaRequestReader.Read([]));

        Assert.Equal("request is empty", e.Message);
    }

    [Fact]
    public void Nesting_of_eight_levels_is_read()
    {
        // request > app > x1 > ... > x6 is eight levels.
        var request = Read("<app appid=\"a\">" + Nest(6) + "</app>");

        Assert.Equal("a", request.Apps[0].AppId);
    }

    [Fact]
    public void Nesting_deeper_than_eight_levels_is_refused()
    {
        var e = Assert.Throws<OmahaFormatException>(() => Read("<app appid=\"a\">" + Nest(7) + "</app>"));

        Assert.Equal("line 1: <x7> is nested 9 elements deep; the limit is 8", e.Message);
    }

    [Fact]
    public void Deep_nesting_is_refused_without_exhausting_the_stack()
    {
        var e = Assert.Throws<OmahaFormatException>(() => Read("<app appid=\"a\">" + Nest(2000) + "</app>"));

        Assert.Contains("the limit is 8", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sixty_four_attributes_are_read()
    {
        var request = Read($"<app appid=\"a\"{Attributes(63)}/>");

        Assert.Equal("a", request.Apps[0].AppId);
    }

    [Fact]
    public void Too_many_attributes_are_refused()
    {
        var e = Assert.Throws<OmahaFormatException>(() => Read($"<app appid=\"a\"{Attributes(64)}/>"));

        Assert.Equal("line 1: <app> has 65 attributes; the limit is 64", e.Message);
    }

    [Fact]
    public void Too_many_attributes_on_an_unknown_element_are_refused()
    {
        var e = Assert.Throws<OmahaFormatException>(() => Read($"<app appid=\"a\"><unknown{Attributes(65)}/></app>"));

        Assert.Equal("line 1: <unknown> has 65 attributes; the limit is 64", e.Message);
    }

    [Fact]
    public void Attribute_of_4096_characters_is_read()
    {
        var request = Read($"<app appid=\"a\" machinealias=\"{new string('m', 4096)}\"/>");

        Assert.Equal(4096, request.Apps[0].MachineAlias!.Length);
    }

    [Theory]
    [InlineData("<app appid=\"a\" machinealias=\"{0}\"/>", "<app> attribute 'machinealias'")]
    [InlineData("<app appid=\"a\" unknown=\"{0}\"/>", "<app> attribute 'unknown'")]
    [InlineData("<app appid=\"a\"><event eventtype=\"3\" eventresult=\"1\" previousversion=\"{0}\"/></app>", "<event> attribute 'previousversion'")]
    [InlineData("<app appid=\"a\"><foo><bar baz=\"{0}\"/></foo></app>", "<bar> attribute 'baz'")]
    [InlineData("<os sp=\"{0}\"/><app appid=\"a\"/>", "<os> attribute 'sp'")]
    [InlineData("<app appid=\"a\"><updatecheck targetversionprefix=\"{0}\"/></app>", "<updatecheck> attribute 'targetversionprefix'")]
    [InlineData("<app appid=\"a\"><ping active=\"1\" r=\"{0}\"/></app>", "<ping> attribute 'r'")]
    public void Long_attribute_is_refused_wherever_it_is(string template, string what)
    {
        var xml = string.Format(System.Globalization.CultureInfo.InvariantCulture, template, new string('x', 4097));

        var e = Assert.Throws<OmahaFormatException>(() => Read(xml));

        Assert.Equal($"line 1: {what} is 4097 characters long; the limit is 4096", e.Message);
    }

    [Fact]
    public void Sixteen_apps_are_read()
    {
        var request = Read(string.Concat(Enumerable.Repeat("<app appid=\"a\"/>", 16)));

        Assert.Equal(16, request.Apps.Count);
    }

    [Fact]
    public void Too_many_apps_are_refused()
    {
        var e = Assert.Throws<OmahaFormatException>(() => Read(string.Concat(Enumerable.Repeat("<app appid=\"a\"/>\n", 17))));

        Assert.Equal("line 17: <request> has more than 16 <app> elements", e.Message);
    }

    [Fact]
    public void Thirty_two_events_are_read()
    {
        var request = Read("<app appid=\"a\">" + string.Concat(Enumerable.Repeat("<event eventtype=\"3\" eventresult=\"1\"/>", 32)) + "</app>");

        Assert.Equal(32, request.Apps[0].Events.Count);
    }

    [Fact]
    public void Too_many_events_are_refused()
    {
        var e = Assert.Throws<OmahaFormatException>(
            () => Read("<app appid=\"a\">" + string.Concat(Enumerable.Repeat("\n<event eventtype=\"3\" eventresult=\"1\"/>", 33)) + "</app>"));

        Assert.Equal("line 34: <app> has more than 32 <event> elements", e.Message);
    }

    [Fact]
    public void Billion_laughs_is_refused()
    {
        var xml = """
            <?xml version="1.0"?>
            <!DOCTYPE request [
              <!ENTITY lol "lol">
              <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
              <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
              <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
              <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
            ]>
            <request protocol="3.0"><app appid="&lol9;"/></request>
            """;

        var e = Assert.Throws<OmahaFormatException>(() => OmahaRequestReader.Read(Samples.Utf8(xml)));

        Assert.Equal("line 2, position 1: <!DOCTYPE> is not allowed: Omaha documents have no DTD, and no entity is expanded or fetched", e.Message);
        Assert.Equal(2, e.Line);
        Assert.Equal(1, e.Position);
    }

    [Fact]
    public void External_entity_is_refused()
    {
        var xml = """
            <?xml version="1.0"?>
            <!DOCTYPE request [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
            <request protocol="3.0"><app appid="&xxe;"/></request>
            """;

        var e = Assert.Throws<OmahaFormatException>(() => OmahaRequestReader.Read(Samples.Utf8(xml)));

        Assert.Contains("<!DOCTYPE> is not allowed", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Entity_reference_without_a_dtd_is_malformed()
    {
        var e = Assert.Throws<OmahaFormatException>(
            () => OmahaRequestReader.Read(Samples.Utf8("<request protocol=\"3.0\"><app appid=\"&xxe;\"/></request>")));

        Assert.StartsWith("line 1, position ", e.Message, StringComparison.Ordinal);
        Assert.Contains("malformed XML", e.Message, StringComparison.Ordinal);
        Assert.Contains("xxe", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<request protocol=\"3.0\">\n<app appid=\"a\">\n</request>", 3)]
    [InlineData("<request protocol=\"3.0\">\n<app appid=\"a\"/>", 2)]
    [InlineData("<request protocol=\"3.0\">\n<app appid=a/></request>", 2)]
    [InlineData("<request protocol=\"3.0\">\n<app appid=\"a\" appid=\"b\"/></request>", 2)]
    [InlineData("<request protocol=\"3.0\"><app appid=\"a\"/></request>\n<request/>", 2)]
    [InlineData("hello", 1)]
    public void Malformed_xml_is_refused_with_line_and_position(string xml, int line)
    {
        var e = Assert.Throws<OmahaFormatException>(() => OmahaRequestReader.Read(Samples.Utf8(xml)));

        Assert.Equal(line, e.Line);
        Assert.True(e.Position > 0);
        Assert.StartsWith($"line {line}, position {e.Position}: malformed XML: ", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(" Line ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_utf8_is_malformed()
    {
        var bytes = Samples.Utf8("<request protocol=\"3.0\"><app appid=\"XX\"/></request>");
        bytes[37] = 0xFF;

        var e = Assert.Throws<OmahaFormatException>(() => OmahaRequestReader.Read(bytes));

        Assert.Contains("malformed XML", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<os/><os/>", "<request> has more than one <os>")]
    [InlineData("<app appid=\"a\"><ping/><ping/></app>", "<app> has more than one <ping>")]
    [InlineData("<app appid=\"a\"><updatecheck/><updatecheck/></app>", "<app> has more than one <updatecheck>")]
    public void Duplicate_singletons_are_refused(string body, string message)
    {
        var e = Assert.Throws<OmahaFormatException>(() => Read(body + "<app appid=\"b\"/>"));

        Assert.Equal($"line 1: {message}", e.Message);
    }

    [Fact]
    public void Unknown_elements_attributes_comments_and_text_are_ignored()
    {
        var xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <!-- a comment -->
            <request protocol="3.0" requestid="{1}" sessionid="{2}" dedup="cr">
              <hw physmemory="8"/>
              <os platform="CoreOS"><extra a="b">text</extra></os>
              <app appid="{E96281A6-D1AF-4BDE-9A0A-97B76E56DC57}" cohort="x" installdate="5000">
                <?pi ignored?>
                <ping active="1" a="-1" r="-1"/>
                <updatecheck targetversionprefix="2512."><![CDATA[ignored]]></updatecheck>
                <data name="install"/>
                some text
              </app>
            </request>
            """;

        var request = OmahaRequestReader.Read(Samples.Utf8(xml));

        var app = Assert.Single(request.Apps);
        Assert.Equal("e96281a6-d1af-4bde-9a0a-97b76e56dc57", app.NormalizedAppId);
        Assert.Equal(new OmahaPing(true), app.Ping);
        Assert.True(app.UpdateCheck);
        Assert.Equal(new OmahaOs(null, "CoreOS", null, null), request.Os);
    }

    [Fact]
    public void Byte_order_mark_is_accepted()
    {
        byte[] bytes = [0xEF, 0xBB, 0xBF, .. Samples.Bytes(Samples.UpdateCheck)];

        Assert.Equal(OmahaRequestReader.Read(Samples.Bytes(Samples.UpdateCheck)), OmahaRequestReader.Read(bytes));
    }

    [Fact]
    public void Character_references_and_non_ascii_are_decoded()
    {
        var request = Read("<app appid=\"a\" machinealias=\"caf&#xE9; &amp; b&#228;r &lt;1&gt;\" oem=\"ĳ😀\"/>");

        Assert.Equal("café & bär <1>", request.Apps[0].MachineAlias);
        Assert.Equal("ĳ😀", request.Apps[0].Oem);
    }

    private static OmahaRequest Read(string appsXml) =>
        OmahaRequestReader.Read(Encoding.UTF8.GetBytes($"<request protocol=\"3.0\">{appsXml}</request>"));

    private static string Nest(int levels)
    {
        var builder = new StringBuilder();
        for (var i = 1; i <= levels; i++)
        {
            builder.Append("<x").Append(i).Append('>');
        }

        for (var i = levels; i >= 1; i--)
        {
            builder.Append("</x").Append(i).Append('>');
        }

        return builder.ToString();
    }

    private static string Attributes(int count) =>
        string.Concat(Enumerable.Range(1, count).Select(i => $" a{i}=\"{i}\""));
}
