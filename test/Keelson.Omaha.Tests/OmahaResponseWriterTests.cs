using System.Buffers;
using System.Text;
using System.Xml.Linq;

namespace Keelson.Omaha.Tests;

public sealed class OmahaResponseWriterTests
{
    private const string Prolog = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<response protocol=\"3.0\" server=\"keelson\">";
    private const string AppId = "e96281a6-d1af-4bde-9a0a-97b76e56dc57";

    [Fact]
    public void Update_response_has_the_sample_shape()
    {
        var xml = Write(Samples.UpdateResponseValue);

        Assert.Equal(
            Prolog +
            "<daystart elapsed_seconds=\"0\"/>" +
            $"<app appid=\"{{{AppId}}}\" status=\"ok\">" +
            "<ping status=\"ok\"/>" +
            "<updatecheck status=\"ok\">" +
            "<urls><url codebase=\"https://updates.example.com/amd64-usr/3732.0.0/\"/></urls>" +
            "<manifest version=\"3732.0.0\">" +
            "<packages><package name=\"flatcar_production_update.gz\" hash=\"I6DGNAOrJRUxPbCuLw+AITfiVMo=\" hash_sha256=\"stLG3U/o4Ar8TMHFwT/RWB0iNkaWOO6QtLrq6+AHBbA=\" size=\"382137917\" required=\"true\"/></packages>" +
            "<actions><action event=\"postinstall\" sha256=\"stLG3U/o4Ar8TMHFwT/RWB0iNkaWOO6QtLrq6+AHBbA=\" DisablePayloadBackoff=\"true\"/></actions>" +
            "</manifest>" +
            "</updatecheck>" +
            "<event status=\"ok\"/>" +
            "</app>" +
            "</response>",
            xml);
    }

    [Fact]
    public void Noupdate_response_has_the_sample_shape()
    {
        var xml = Write(Samples.NoUpdateResponseValue);

        Assert.Equal(
            Prolog + $"<daystart elapsed_seconds=\"49051\"/><app appid=\"{{{AppId}}}\" status=\"ok\"><ping status=\"ok\"/><updatecheck status=\"noupdate\"/></app></response>",
            xml);
    }

    [Fact]
    public void Optional_attributes_are_written_when_set()
    {
        var response = new OmahaResponse(
            [
                new OmahaAppResponse(
                    AppId,
                    OmahaAppStatus.Ok,
                    Ping: false,
                    new OmahaUpdateCheckResponse(
                        OmahaUpdateCheckStatus.Ok,
                        new OmahaManifest(
                            "3732.0.0",
                            [new OmahaPackage("delta.gz", "h", 5, Required: false)],
                            new OmahaPostInstallAction("s", DisablePayloadBackoff: false, IsDeltaPayload: true, MaxFailureCountPerUrl: 7)),
                        ["a", "b"],
                        PollIntervalSeconds: 3600),
                    EventCount: 0),
            ],
            DaystartElapsedSeconds: 12,
            Server: "other");

        var xml = Write(response);

        Assert.Equal(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<response protocol=\"3.0\" server=\"other\"><daystart elapsed_seconds=\"12\"/>" +
            $"<app appid=\"{AppId}\" status=\"ok\">" +
            "<updatecheck status=\"ok\" PollInterval=\"3600\">" +
            "<urls><url codebase=\"a\"/><url codebase=\"b\"/></urls>" +
            "<manifest version=\"3732.0.0\">" +
            "<packages><package name=\"delta.gz\" hash=\"h\" size=\"5\" required=\"false\"/></packages>" +
            "<actions><action event=\"postinstall\" sha256=\"s\" IsDeltaPayload=\"true\" MaxFailureCountPerUrl=\"7\"/></actions>" +
            "</manifest></updatecheck></app></response>",
            xml);
        Assert.Equal(response, OmahaResponseReader.Read(Encoding.UTF8.GetBytes(xml)));
    }

    [Fact]
    public void Several_apps_round_trip()
    {
        var response = new OmahaResponse(
            [
                Samples.UpdateResponseValue.Apps[0],
                new OmahaAppResponse("b", OmahaAppStatus.Restricted, Ping: true, UpdateCheck: null, EventCount: 2),
                new OmahaAppResponse("c", OmahaAppStatus.Ok, Ping: false, new OmahaUpdateCheckResponse(OmahaUpdateCheckStatus.Ok, Codebases: []), EventCount: 0),
                new OmahaAppResponse("d", OmahaAppStatus.Internal, Ping: false, UpdateCheck: null, EventCount: 0),
            ],
            DaystartElapsedSeconds: 86399);

        Assert.Equal(response, OmahaResponseReader.Read(OmahaResponseWriter.Write(response)));
    }

    [Fact]
    public void No_ping_no_updatecheck_and_events_write_only_the_events()
    {
        var response = new OmahaResponse([new OmahaAppResponse(AppId, OmahaAppStatus.Ok, Ping: false, UpdateCheck: null, EventCount: 3)], 1);

        var xml = Write(response);

        Assert.Equal(
            Prolog + $"<daystart elapsed_seconds=\"1\"/><app appid=\"{AppId}\" status=\"ok\"><event status=\"ok\"/><event status=\"ok\"/><event status=\"ok\"/></app></response>",
            xml);
    }

    [Fact]
    public void App_without_children_is_self_closing()
    {
        var response = new OmahaResponse([new OmahaAppResponse("x", OmahaAppStatus.UnknownApplication, false, null, 0)], 1);

        Assert.Equal(
            Prolog + "<daystart elapsed_seconds=\"1\"/><app appid=\"x\" status=\"error-unknownApplication\"/></response>",
            Write(response));
    }

    [Fact]
    public void Attribute_values_are_escaped()
    {
        var response = WithCodebase("https://u.example.com/a?x=1&y=<2>\"3\"'4'");

        var xml = Write(response);

        Assert.Contains("<url codebase=\"https://u.example.com/a?x=1&amp;y=&lt;2&gt;&quot;3&quot;'4'\"/>", xml, StringComparison.Ordinal);
        Assert.Equal(response, OmahaResponseReader.Read(OmahaResponseWriter.Write(response)));
    }

    [Theory]
    [InlineData("tab\there")]
    [InlineData("new\nline")]
    [InlineData("carriage\r\nreturn")]
    [InlineData("café ĳ 😀 日本")]
    [InlineData("")]
    public void Whitespace_and_non_ascii_survive_a_round_trip(string codebase)
    {
        var response = WithCodebase(codebase);

        Assert.Equal(response, OmahaResponseReader.Read(OmahaResponseWriter.Write(response)));
    }

    [Theory]
    [InlineData("bell\u0007")]
    [InlineData("nul\0")]
    [InlineData("\uFFFE")]
    public void Characters_xml_cannot_carry_are_refused(string codebase)
    {
        Assert.Throws<ArgumentException>(() => OmahaResponseWriter.Write(WithCodebase(codebase)));
    }

    [Fact]
    public void Lone_surrogate_is_refused()
    {
        // Built at run time: a lone surrogate does not survive as theory data.
        var codebase = "lone " + (char)0xD800 + " surrogate";

        Assert.Throws<ArgumentException>(() => OmahaResponseWriter.Write(WithCodebase(codebase)));
    }

    [Theory]
    [InlineData(Samples.UpdateResponse)]
    [InlineData(Samples.NoUpdateResponse)]
    public void Sample_responses_round_trip_through_writer_and_reader(string sample)
    {
        var read = OmahaResponseReader.Read(Samples.Bytes(sample));

        var again = OmahaResponseReader.Read(OmahaResponseWriter.Write(read));

        Assert.Equal(read, again);
    }

    [Fact]
    public void Output_is_well_formed_xml()
    {
        var document = XDocument.Parse(Write(Samples.UpdateResponseValue));

        Assert.Equal("response", document.Root!.Name.LocalName);
        Assert.Equal("382137917", document.Descendants("package").Single().Attribute("size")!.Value);
    }

    [Fact]
    public void Buffer_writer_receives_the_same_bytes_as_the_array()
    {
        var output = new ArrayBufferWriter<byte>();

        OmahaResponseWriter.Write(Samples.UpdateResponseValue, output);

        Assert.Equal(OmahaResponseWriter.Write(Samples.UpdateResponseValue), output.WrittenSpan.ToArray());
    }

    [Fact]
    public void Small_buffer_segments_and_long_values_are_handled()
    {
        var response = WithCodebase(string.Concat(Enumerable.Repeat("é&😀x", 30_000)));
        var output = new StingyBufferWriter();

        OmahaResponseWriter.Write(response, output);

        Assert.Equal(OmahaResponseWriter.Write(response), output.Written.ToArray());
        var document = XDocument.Parse(Encoding.UTF8.GetString(output.Written.ToArray()));
        Assert.Equal(response.Apps[0].UpdateCheck!.Codebases![0], document.Descendants("url").Single().Attribute("codebase")!.Value);
    }

    [Fact]
    public void Writing_into_a_buffer_writer_allocates_nothing()
    {
        var output = new ArrayBufferWriter<byte>(4096);
        OmahaResponseWriter.Write(Samples.UpdateResponseValue, output);

        long allocated = 0;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            output.ResetWrittenCount();
            var before = GC.GetAllocatedBytesForCurrentThread();
            OmahaResponseWriter.Write(Samples.UpdateResponseValue, output);
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (allocated == 0)
            {
                break;
            }
        }

        Assert.Equal(0, allocated);
    }

    private static string Write(OmahaResponse response) => Encoding.UTF8.GetString(OmahaResponseWriter.Write(response));

    private static OmahaResponse WithCodebase(string codebase) => Samples.UpdateResponseValue with
    {
        Apps = [Samples.UpdateResponseValue.Apps[0] with { UpdateCheck = Samples.UpdateResponseValue.Apps[0].UpdateCheck! with { Codebases = [codebase] } }],
    };

    /// <summary>Hands out spans exactly as large as asked, to exercise every refill.</summary>
    private sealed class StingyBufferWriter : IBufferWriter<byte>
    {
        private byte[] _current = [];

        public List<byte> Written { get; } = [];

        public void Advance(int count)
        {
            Written.AddRange(_current.AsSpan(0, count));
            _current = [];
        }

        public Memory<byte> GetMemory(int sizeHint = 0) => _current = new byte[Math.Max(sizeHint, 1)];

        public Span<byte> GetSpan(int sizeHint = 0) => _current = new byte[Math.Max(sizeHint, 1)];
    }
}
