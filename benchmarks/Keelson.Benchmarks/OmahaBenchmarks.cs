using System.Buffers;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using BenchmarkDotNet.Attributes;
using Keelson.Omaha;

namespace Keelson.Benchmarks;

/// <summary>
/// The Omaha server's hot path: read update_engine's update check, write the answer. The baseline does the
/// same with <see cref="XDocument"/>, as a straightforward server would.
/// </summary>
[MemoryDiagnoser]
public class OmahaBenchmarks
{
    // The sample request of test/samples/omaha/request-updatecheck.xml, kept here so the benchmark needs no files.
    private static readonly byte[] s_updateCheckRequest = Encoding.UTF8.GetBytes(
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <request protocol="3.0" version="update_engine-0.4.10" updaterversion="update_engine-0.4.10" installsource="scheduler" ismachine="1">
            <os version="Chateau" platform="CoreOS" sp="2512.2.0_x86_64"></os>
            <app appid="{e96281a6-d1af-4bde-9a0a-97b76e56dc57}" version="2512.2.0" track="stable" bootid="{965fb4c5-ad3e-4eb7-a4c2-ca0c0e31ec84}" oem="ami" oemversion="0.1.1-r1" alephversion="1688.5.3" machineid="abce671d61774703ac7be60715220bfe" machinealias="" lang="en-US" board="amd64-usr" hardware_class="" delta_okay="false" >
                <ping active="1"></ping>
                <updatecheck></updatecheck>
                <event eventtype="3" eventresult="2" previousversion=""></event>
            </app>
        </request>

        """);

    private static readonly OmahaResponse s_update = new(
        [
            new OmahaAppResponse(
                "e96281a6-d1af-4bde-9a0a-97b76e56dc57",
                OmahaAppStatus.Ok,
                Ping: true,
                new OmahaUpdateCheckResponse(
                    OmahaUpdateCheckStatus.Ok,
                    new OmahaManifest(
                        "3732.0.0",
                        [new OmahaPackage("flatcar_production_update.gz", "I6DGNAOrJRUxPbCuLw+AITfiVMo=", 382137917)],
                        new OmahaPostInstallAction("stLG3U/o4Ar8TMHFwT/RWB0iNkaWOO6QtLrq6+AHBbA=")),
                    ["https://updates.example.com/amd64-usr/3732.0.0/"]),
                EventCount: 1),
        ],
        DaystartElapsedSeconds: 49051);

    private static readonly OmahaResponse s_noUpdate = new(
        [
            new OmahaAppResponse(
                "e96281a6-d1af-4bde-9a0a-97b76e56dc57",
                OmahaAppStatus.Ok,
                Ping: true,
                new OmahaUpdateCheckResponse(OmahaUpdateCheckStatus.NoUpdate),
                EventCount: 1),
        ],
        DaystartElapsedSeconds: 49051);

    private readonly ArrayBufferWriter<byte> _output = new(4096);

    [Benchmark(Baseline = true, Description = "XDocument: parse request + write update response")]
    public byte[] XDocumentParseAndWrite()
    {
        XDocument request;
        using (var stream = new MemoryStream(s_updateCheckRequest, writable: false))
        using (var reader = XmlReader.Create(stream, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null }))
        {
            request = XDocument.Load(reader);
        }

        var app = request.Root!.Element("app")!;
        var appId = ((string)app.Attribute("appid")!).Trim('{', '}').ToLowerInvariant();
        var events = app.Elements("event").Count();

        var update = s_update.Apps[0].UpdateCheck!;
        var manifest = update.Manifest!;
        var package = manifest.Packages[0];
        var response = new XDocument(
            new XDeclaration("1.0", "UTF-8", null),
            new XElement(
                "response",
                new XAttribute("protocol", "3.0"),
                new XAttribute("server", "keelson"),
                new XElement("daystart", new XAttribute("elapsed_seconds", s_update.DaystartElapsedSeconds)),
                new XElement(
                    "app",
                    new XAttribute("appid", appId),
                    new XAttribute("status", "ok"),
                    new XElement("ping", new XAttribute("status", "ok")),
                    new XElement(
                        "updatecheck",
                        new XAttribute("status", update.Status),
                        new XElement("urls", update.Codebases!.Select(c => new XElement("url", new XAttribute("codebase", c)))),
                        new XElement(
                            "manifest",
                            new XAttribute("version", manifest.Version),
                            new XElement(
                                "packages",
                                new XElement(
                                    "package",
                                    new XAttribute("name", package.Name),
                                    new XAttribute("hash", package.Sha1Base64),
                                    new XAttribute("size", package.Size),
                                    new XAttribute("required", "true"))),
                            new XElement(
                                "actions",
                                new XElement(
                                    "action",
                                    new XAttribute("event", "postinstall"),
                                    new XAttribute("sha256", manifest.Action.Sha256Base64),
                                    new XAttribute("DisablePayloadBackoff", "true"))))),
                    Enumerable.Range(0, events).Select(_ => new XElement("event", new XAttribute("status", "ok"))))));

        using var buffer = new MemoryStream();
        using (var writer = XmlWriter.Create(buffer, new XmlWriterSettings { Encoding = new UTF8Encoding(false) }))
        {
            response.Save(writer);
        }

        return buffer.ToArray();
    }

    [Benchmark(Description = "Keelson: parse request + write update response")]
    public byte[] KeelsonParseAndWrite()
    {
        var request = OmahaRequestReader.Read(s_updateCheckRequest);
        var app = request.Apps[0];
        var answer = s_update with { Apps = [s_update.Apps[0] with { AppId = app.NormalizedAppId, EventCount = app.Events.Count }] };
        return OmahaResponseWriter.Write(answer);
    }

    [Benchmark(Description = "Read update-check request")]
    public OmahaRequest ReadRequest() => OmahaRequestReader.Read(s_updateCheckRequest);

    [Benchmark(Description = "Write update response (byte[])")]
    public byte[] WriteUpdateResponse() => OmahaResponseWriter.Write(s_update);

    [Benchmark(Description = "Write update response (IBufferWriter)")]
    public int WriteUpdateResponseToBufferWriter()
    {
        _output.ResetWrittenCount();
        OmahaResponseWriter.Write(s_update, _output);
        return _output.WrittenCount;
    }

    [Benchmark(Description = "Write noupdate response (byte[])")]
    public byte[] WriteNoUpdateResponse() => OmahaResponseWriter.Write(s_noUpdate);
}
