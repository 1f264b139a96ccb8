using System.Net;
using System.Net.Http.Headers;
using Keelson.Coordination;
using Keelson.Omaha;
using Keelson.Tls;

namespace Keelson.Agent.Omaha;

/// <summary>
/// Speaks Omaha to the update service exactly as update_engine does: update checks that carry the 3/2 event
/// with the previous version (or 3/0 errorcode 44 after a rollback), and stand-alone progress events.
/// </summary>
/// <remarks>Credentials in the server URL (<c>https://m:TOKEN@host/v1/update/</c>) are sent as basic authentication, as curl sends them.</remarks>
/// <param name="tls">The TLS settings <paramref name="http"/> was made with, to put a refused handshake in words.</param>
public sealed class OmahaClient(HttpClient http, Uri server, ClientTls? tls = null)
{
    private readonly UrlCredentials _server = UrlCredentials.Of(server);

    /// <summary>The CoreOS / Flatcar application id, as update_engine sends it.</summary>
    public const string AppId = "{e96281a6-d1af-4bde-9a0a-97b76e56dc57}";

    private const string UpdaterVersion = "keelson-agent-1.0";

    /// <summary>
    /// Asks for an update. <paramref name="previousVersion"/> is the version before the last update ("" once
    /// reported, <c>0.0.0.0</c> when unknown); when <paramref name="rolledBack"/> the check carries 3/0 errorcode 44.
    /// </summary>
    public async Task<UpdateCheckResult> CheckAsync(
        MachineIdentity machine, string group, string previousVersion, bool rolledBack, bool interactive, CancellationToken cancellationToken)
    {
        var checkEvent = rolledBack
            ? new OmahaEvent(OmahaEventType.UpdateComplete, OmahaEventResult.Error, OmahaErrorCodes.Rollback, null)
            : new OmahaEvent(OmahaEventType.UpdateComplete, OmahaEventResult.SuccessReboot, null, previousVersion);
        var app = await ExchangeAsync(machine, group, interactive, ping: true, updateCheck: true, checkEvent, cancellationToken);
        var check = app.UpdateCheck
            ?? throw Invalid("the response has no <updatecheck> for the CoreOS app");
        var poll = check.PollIntervalSeconds is { } seconds and > 0 ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;
        return check.Status switch
        {
            OmahaUpdateCheckStatus.NoUpdate => new UpdateCheckResult(null, poll),
            OmahaUpdateCheckStatus.Ok => new UpdateCheckResult(ToOffer(check), poll),
            _ => throw new UpdateEngineException($"the server answered the update check with status '{check.Status}'", OmahaErrorCodes.OmahaResponseInvalid, isTransient: true),
        };
    }

    /// <summary>Reports a stand-alone event: 13/1, 14/1, 3/1, or a failure with its error code.</summary>
    public async Task ReportAsync(MachineIdentity machine, string group, OmahaEvent omahaEvent, CancellationToken cancellationToken)
    {
        var app = await ExchangeAsync(machine, group, interactive: false, ping: false, updateCheck: false, omahaEvent, cancellationToken);
        if (app.EventCount < 1)
        {
            throw Invalid("the server did not acknowledge the event");
        }
    }

    private async Task<OmahaAppResponse> ExchangeAsync(
        MachineIdentity machine, string group, bool interactive, bool ping, bool updateCheck, OmahaEvent omahaEvent, CancellationToken cancellationToken)
    {
        var request = new OmahaRequest(
            "3.0",
            UpdaterVersion,
            UpdaterVersion,
            interactive ? "ondemandupdate" : "scheduler",
            IsMachine: true,
            new OmahaOs("Chateau", "CoreOS", $"{machine.Version}_x86_64", null),
            [
                new OmahaAppRequest
                {
                    AppId = AppId,
                    Version = machine.Version,
                    Track = group,
                    BootId = machine.BootId,
                    MachineId = machine.MachineId,
                    MachineAlias = "",
                    Oem = machine.Oem,
                    OemVersion = machine.OemVersion,
                    AlephVersion = machine.AlephVersion,
                    Board = machine.Board,
                    Lang = "en-US",
                    HardwareClass = "",
                    Ping = ping ? new OmahaPing(Active: true) : null,
                    UpdateCheck = updateCheck,
                    Events = [omahaEvent],
                },
            ]);
        using var content = new ByteArrayContent(OmahaRequestWriter.Write(request));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/xml") { CharSet = "UTF-8" };
        using var message = new HttpRequestMessage(HttpMethod.Post, _server.Url) { Content = content };
        _server.Apply(message);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(message, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new UpdateEngineException($"cannot reach the update server at {_server.Url}: {TlsFailures.Describe(e, tls, _server.Url)}", OmahaErrorCodes.TransferErrorBase, isTransient: true, e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new UpdateEngineException($"the update server at {_server.Url} did not answer in time", OmahaErrorCodes.TransferErrorBase, isTransient: true, e);
        }

        using (response)
        {
            if (response.StatusCode != HttpStatusCode.OK)
            {
                var status = (int)response.StatusCode;
                throw new UpdateEngineException(
                    $"the update server answered HTTP {status} {response.ReasonPhrase}",
                    OmahaErrorCodes.TransferErrorBase + status,
                    isTransient: status >= 500 || status == 429);
            }

            var body = await ReadBoundedAsync(response, cancellationToken);
            OmahaResponse parsed;
            try
            {
                parsed = OmahaResponseReader.Read(body);
            }
            catch (OmahaFormatException e)
            {
                throw new UpdateEngineException($"the update server's response is not valid Omaha: {e.Message}", OmahaErrorCodes.OmahaRequestXmlParseError, isTransient: true, e);
            }

            var app = parsed.Apps.FirstOrDefault(a => OmahaAppId.Normalize(a.AppId) == OmahaAppId.Normalize(AppId))
                ?? throw Invalid("the response has no <app> for the CoreOS app");
            if (app.Status != OmahaAppStatus.Ok)
            {
                throw new UpdateEngineException($"the update server answered the app with status '{app.Status}'", OmahaErrorCodes.OmahaResponseInvalid, isTransient: true);
            }

            return app;
        }
    }

    private static async Task<byte[]> ReadBoundedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength > OmahaResponseReader.MaxResponseBytes)
        {
            throw Invalid($"the response is larger than {OmahaResponseReader.MaxResponseBytes} bytes");
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[OmahaResponseReader.MaxResponseBytes + 1];
        var length = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
        if (length > OmahaResponseReader.MaxResponseBytes)
        {
            throw Invalid($"the response is larger than {OmahaResponseReader.MaxResponseBytes} bytes");
        }

        return buffer[..length];
    }

    /// <summary>An offer as update_engine accepts it: a size, a hash, a postinstall sha256 and at least one URL.</summary>
    private static UpdateOffer ToOffer(OmahaUpdateCheckResponse check)
    {
        var manifest = check.Manifest ?? throw Invalid("the update has no manifest");
        var package = manifest.Packages.FirstOrDefault() ?? throw Invalid("the update's manifest lists no package");
        if (package.Size <= 0)
        {
            throw Invalid($"the package size {package.Size} is not positive");
        }

        if (string.IsNullOrEmpty(manifest.Action.Sha256Base64) || !IsBase64Of(manifest.Action.Sha256Base64, 32))
        {
            throw Invalid("the postinstall action has no valid sha256");
        }

        var urls = new List<Uri>();
        foreach (var codebase in check.Codebases ?? [])
        {
            var text = codebase.EndsWith('/') ? codebase : codebase + "/";
            if (Uri.TryCreate(text + package.Name, UriKind.Absolute, out var url) && url.Scheme is "http" or "https")
            {
                urls.Add(url);
            }
        }

        if (urls.Count == 0)
        {
            throw Invalid("the update has no usable http(s) download URL");
        }

        return new UpdateOffer(manifest.Version, urls, package.Size, package.Sha1Base64, manifest.Action.Sha256Base64, manifest.Action.IsDeltaPayload);
    }

    private static bool IsBase64Of(string text, int bytes)
    {
        Span<byte> buffer = stackalloc byte[64];
        return Convert.TryFromBase64String(text, buffer, out var written) && written == bytes;
    }

    private static UpdateEngineException Invalid(string message) =>
        new($"the update server's response is invalid: {message}", OmahaErrorCodes.OmahaResponseInvalid, isTransient: true);
}
