using System.Text;

namespace Keelson.Omaha.Tests;

public sealed class OmahaRequestWriterTests
{
    [Theory]
    [InlineData(Samples.UpdateCheck)]
    [InlineData(Samples.Rollback)]
    [InlineData(Samples.DownloadStarted)]
    [InlineData(Samples.EventError)]
    public void Writing_a_sample_request_reproduces_update_engines_bytes(string sample)
    {
        var bytes = Samples.Bytes(sample);

        var written = OmahaRequestWriter.Write(OmahaRequestReader.Read(bytes));

        Assert.Equal(Encoding.UTF8.GetString(bytes), Encoding.UTF8.GetString(written));
    }

    [Fact]
    public void Every_field_round_trips_through_the_reader()
    {
        var request = new OmahaRequest(
            Protocol: "3.0",
            Version: "keelson-agent-1.0",
            UpdaterVersion: "keelson-agent-1.0",
            InstallSource: "ondemandupdate",
            IsMachine: false,
            Os: new OmahaOs("Chateau", "Flatcar", "3732.0.0_aarch64", "arm64"),
            Apps:
            [
                new OmahaAppRequest
                {
                    AppId = "{e96281a6-d1af-4bde-9a0a-97b76e56dc57}",
                    Version = "3732.0.0",
                    Track = "beta",
                    BootId = "{b}",
                    MachineId = "m",
                    UserId = "{u}",
                    MachineAlias = "web \"1\" & <2>\tnext\r\nline",
                    Oem = "",
                    OemVersion = "1",
                    AlephVersion = "3510.2.0",
                    Board = "arm64-usr",
                    Lang = "de-CH",
                    HardwareClass = "ĳ😀",
                    DeltaOkay = true,
                    Ping = new OmahaPing(Active: false),
                    UpdateCheck = true,
                    Events =
                    [
                        new OmahaEvent(OmahaEventType.UpdateDownloadFinished, OmahaEventResult.Success, null, null),
                        new OmahaEvent(OmahaEventType.UpdateComplete, OmahaEventResult.Error, -2147483604L, "0.0.0.0"),
                        new OmahaEvent((OmahaEventType)800, (OmahaEventResult)55, long.MaxValue, ""),
                    ],
                },
                new OmahaAppRequest { AppId = "second" },
            ])
        {
            UserId = "{request-user}",
        };

        var read = OmahaRequestReader.Read(OmahaRequestWriter.Write(request));

        Assert.Equal(request, read);
    }

    [Fact]
    public void Null_attributes_are_left_out()
    {
        var request = new OmahaRequest("3.0", null, null, null, IsMachine: true, Os: null, [new OmahaAppRequest { AppId = "a" }]);

        var xml = Encoding.UTF8.GetString(OmahaRequestWriter.Write(request));

        Assert.Equal(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" +
            "<request protocol=\"3.0\" ismachine=\"1\">\n" +
            "    <app appid=\"a\" delta_okay=\"false\" >\n" +
            "    </app>\n" +
            "</request>\n",
            xml);
    }

    [Fact]
    public void Ping_and_event_are_written_in_update_engines_shape()
    {
        var request = Samples.Request(Samples.App() with
        {
            Ping = new OmahaPing(true),
            UpdateCheck = true,
            Events = [new OmahaEvent(OmahaEventType.UpdateComplete, OmahaEventResult.Error, 44, "2512.2.0")],
        });

        var xml = Encoding.UTF8.GetString(OmahaRequestWriter.Write(request));

        Assert.Contains(
            "        <ping active=\"1\"></ping>\n" +
            "        <updatecheck></updatecheck>\n" +
            "        <event eventtype=\"3\" eventresult=\"0\" errorcode=\"44\" previousversion=\"2512.2.0\"></event>\n",
            xml,
            StringComparison.Ordinal);
    }
}
