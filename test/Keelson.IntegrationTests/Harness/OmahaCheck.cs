using System.Globalization;
using System.Text;
using System.Xml.Linq;

namespace Keelson.IntegrationTests.Harness;

/// <summary>
/// What a machine learns from one Omaha check, read from the response XML the way update_engine reads it:
/// it downloads <see cref="Codebase"/> + <see cref="Name"/> and checks the size and both hashes.
/// </summary>
public sealed record OmahaCheck(string Status, string? Codebase, string? Name, long? Size, string? Sha1, string? Sha256, string? Version, string Xml)
{
    /// <summary>The download URL an Omaha client builds.</summary>
    public Uri PayloadUrl => new(Codebase + Name);

    /// <summary>A sample request from test/samples/omaha, copied next to the tests.</summary>
    public static XDocument Sample(string fileName) =>
        XDocument.Load(Path.Combine(AppContext.BaseDirectory, "samples", "omaha", fileName));

    /// <summary>The sample request with the app's version, track and machine id replaced.</summary>
    public static XDocument Request(string fileName, string? version = null, string? track = null, string? machineId = null)
    {
        var request = Sample(fileName);
        var app = request.Root!.Element("app")!;
        if (machineId is not null)
        {
            app.SetAttributeValue("machineid", machineId);
        }

        if (version is not null)
        {
            app.SetAttributeValue("version", version);
        }

        if (track is not null)
        {
            app.SetAttributeValue("track", track);
        }

        return request;
    }

    /// <summary>POSTs <paramref name="request"/> to /v1/update/ and reads the first app's updatecheck.</summary>
    public static async Task<OmahaCheck> PostAsync(HttpClient http, XDocument request, CancellationToken cancellationToken = default)
    {
        var xml = await SendAsync(http, request, cancellationToken);
        var check = XDocument.Parse(xml).Root?.Element("app")?.Element("updatecheck")
            ?? throw new InvalidDataException($"the response has no <app><updatecheck>:\n{xml}");
        var manifest = check.Element("manifest");
        var package = manifest?.Element("packages")?.Element("package");
        var action = manifest?.Element("actions")?.Elements("action").FirstOrDefault(a => (string?)a.Attribute("event") == "postinstall");
        return new OmahaCheck(
            (string?)check.Attribute("status") ?? "",
            (string?)check.Element("urls")?.Element("url")?.Attribute("codebase"),
            (string?)package?.Attribute("name"),
            package?.Attribute("size") is { } size ? long.Parse(size.Value, CultureInfo.InvariantCulture) : null,
            (string?)package?.Attribute("hash"),
            (string?)action?.Attribute("sha256"),
            (string?)manifest?.Attribute("version"),
            xml);
    }

    /// <summary>POSTs <paramref name="request"/> (a check or events) to /v1/update/; returns the response XML, failing on a non-2xx answer.</summary>
    public static async Task<string> SendAsync(HttpClient http, XDocument request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(request);
        using var content = new StringContent(request.Declaration + request.ToString(), Encoding.UTF8, "text/xml");
        using var response = await http.PostAsync("/v1/update/", content, cancellationToken);
        var xml = await response.Content.ReadAsStringAsync(cancellationToken);
        return response.IsSuccessStatusCode ? xml : throw new HttpRequestException($"POST /v1/update/ answered {(int)response.StatusCode}: {xml}");
    }
}
