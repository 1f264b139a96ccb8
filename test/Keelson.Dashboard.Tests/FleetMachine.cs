using System.Globalization;
using System.Text;
using System.Xml.Linq;
using Keelson.IntegrationTests.Harness;
using Xunit.Sdk;

namespace Keelson.Dashboard.Tests;

/// <summary>
/// One machine as its update_engine speaks for it to the server's Omaha endpoint: every request is a sample from
/// test/samples/omaha with the machine's id, group (track), version and name filled in.
/// </summary>
internal sealed class FleetMachine(HttpClient http, string id, string track, string version, string alias = "")
{
    public string Id => id;

    public string Track => track;

    /// <summary>The version it runs now.</summary>
    public string Version { get; private set; } = version;

    /// <summary>A routine check: ping and update check, no event.</summary>
    public Task<OmahaCheck> CheckAsync(CancellationToken cancellationToken = default)
    {
        var request = Request("request-updatecheck.xml");
        App(request).Element("event")?.Remove();
        return OmahaCheck.PostAsync(http, request, cancellationToken);
    }

    /// <summary>A check that must be offered an update; returns the version offered.</summary>
    public async Task<string> CheckGrantedAsync(CancellationToken cancellationToken = default)
    {
        var check = await CheckAsync(cancellationToken);
        return check is { Status: "ok", Version: { } offered }
            ? offered
            : throw new XunitException($"machine {id} ({track}, {Version}) was not offered an update:\n{check.Xml}");
    }

    /// <summary>Checks, is offered an update, downloads and installs it: it then waits for its reboot.</summary>
    public async Task<string> InstallAsync(CancellationToken cancellationToken = default)
    {
        var offered = await CheckGrantedAsync(cancellationToken);
        await ReportAsync(UpdateEngineEvent.DownloadStarted, cancellationToken);
        await ReportAsync(UpdateEngineEvent.DownloadFinished, cancellationToken);
        await ReportAsync(UpdateEngineEvent.Installed, cancellationToken);
        return offered;
    }

    /// <summary>Reboots into <paramref name="newVersion"/>: the first check from it reports the update complete.</summary>
    public Task<OmahaCheck> BootIntoAsync(string newVersion, CancellationToken cancellationToken = default)
    {
        var previous = Version;
        Version = newVersion;
        var request = Request("request-updatecheck.xml");
        var completed = App(request).Element("event")!;
        SetEvent(completed, UpdateEngineEvent.Rebooted);
        completed.SetAttributeValue("previousversion", previous);
        return OmahaCheck.PostAsync(http, request, cancellationToken);
    }

    /// <summary>The new boot failed and the machine fell back to the version it ran: it checks in and reports error 44.</summary>
    public Task<OmahaCheck> RollBackAsync(CancellationToken cancellationToken = default) =>
        OmahaCheck.PostAsync(http, Request("request-rollback.xml"), cancellationToken);

    /// <summary>Sends one event, as update_engine does between checks.</summary>
    public async Task ReportAsync(UpdateEngineEvent update, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(update);
        var request = Request("request-event-download-started.xml");
        SetEvent(App(request).Element("event")!, update);
        using var content = new StringContent(request.Declaration + request.ToString(), Encoding.UTF8, "text/xml");
        using var response = await http.PostAsync("/v1/update/", content, cancellationToken);
        var xml = await response.Content.ReadAsStringAsync(cancellationToken);
        var acknowledged = response.IsSuccessStatusCode
            && XDocument.Parse(xml).Root?.Element("app")?.Element("event")?.Attribute("status")?.Value == "ok";
        if (!acknowledged)
        {
            throw new XunitException($"event {update} of machine {id} was not acknowledged ({(int)response.StatusCode}):\n{xml}");
        }
    }

    public override string ToString() => $"{id} ({track}, {Version})";

    private XDocument Request(string sample)
    {
        var request = OmahaCheck.Request(sample, Version, track);
        var app = App(request);
        app.SetAttributeValue("machineid", id);
        app.SetAttributeValue("machinealias", alias);
        request.Root!.Element("os")?.SetAttributeValue("sp", Version + "_x86_64");
        return request;
    }

    private static XElement App(XDocument request) => request.Root!.Element("app")!;

    private static void SetEvent(XElement element, UpdateEngineEvent update)
    {
        element.SetAttributeValue("eventtype", update.Type.ToString(CultureInfo.InvariantCulture));
        element.SetAttributeValue("eventresult", update.Result.ToString(CultureInfo.InvariantCulture));
        element.SetAttributeValue("errorcode", update.ErrorCode?.ToString(CultureInfo.InvariantCulture));
    }
}
