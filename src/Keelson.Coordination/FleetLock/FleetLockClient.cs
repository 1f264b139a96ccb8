using System.Net;
using System.Net.Http.Headers;
using Keelson.Coordination.Locks;
using Keelson.Tls;

namespace Keelson.Coordination.FleetLock;

/// <summary>
/// The reboot lock as a FleetLock server keeps it (a Keelson server, <c>keelson fleetlock serve</c>, Airlock...):
/// <c>POST BASE/v1/pre-reboot</c> to take a slot and <c>POST BASE/v1/steady-state</c> to release it, for one group.
/// Only 200 is success. A lock answered with a "slots are full" error is refused with the server's words; any other
/// answer, a connection failure or a timeout is a <see cref="RebootLockException"/> naming the URL.
/// </summary>
public sealed class FleetLockClient : IRebootLock
{
    // Error bodies are a short JSON object; more than this is read as garbage, not buffered.
    private const int MaxErrorBodyBytes = 16 * 1024;

    private readonly HttpClient _http;
    private readonly UrlCredentials _credentials;
    private readonly ClientTls? _tls;
    private readonly Uri _preReboot;
    private readonly Uri _steadyState;

    /// <summary>A client of the server at <paramref name="baseUrl"/> (which may have a path) for <paramref name="group"/>.</summary>
    /// <param name="http">Sends the requests; its timeout bounds each one.</param>
    /// <param name="baseUrl">
    /// An http(s) URL, e.g. <c>https://fleetlock.example.com/base</c>; credentials in it
    /// (<c>https://m:TOKEN@host</c>) are sent as basic authentication and never shown.
    /// </param>
    /// <param name="group">The reboot group, matching <c>^[a-zA-Z0-9.-]+$</c>; Zincati's default is <c>default</c>.</param>
    /// <param name="tls">The TLS settings <paramref name="http"/> was made with, to put a refused handshake in words.</param>
    public FleetLockClient(HttpClient http, Uri baseUrl, string group = FleetLockProtocol.DefaultGroup, ClientTls? tls = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(baseUrl);
        if (!baseUrl.IsAbsoluteUri || baseUrl.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"the FleetLock URL '{baseUrl}' is not an http(s) URL", nameof(baseUrl));
        }

        if (!FleetLockProtocol.IsValidGroup(group, out var error))
        {
            throw new ArgumentException(error, nameof(group));
        }

        _http = http;
        _credentials = UrlCredentials.Of(baseUrl);
        baseUrl = _credentials.Url;
        _tls = tls;
        BaseUrl = baseUrl;
        Group = group;
        _preReboot = FleetLockProtocol.EndpointUrl(baseUrl, FleetLockOperation.PreReboot);
        _steadyState = FleetLockProtocol.EndpointUrl(baseUrl, FleetLockOperation.SteadyState);
    }

    public Uri BaseUrl { get; }

    public string Group { get; }

    public string Description => $"FleetLock group '{Group}' at {BaseUrl}";

    public async Task<LockOutcome> LockAsync(string holder, CancellationToken cancellationToken)
    {
        var (status, error) = await PostAsync(_preReboot, holder, cancellationToken);
        if (status == HttpStatusCode.OK)
        {
            return LockOutcome.Granted;
        }

        if (error is not null && FleetLockErrorKinds.MeansBusy(error.Kind))
        {
            return LockOutcome.Refused(error.Value);
        }

        throw Failure(_preReboot, status, error);
    }

    /// <summary>
    /// <c>POST /v1/steady-state</c>. The protocol answers 200 whether or not a slot was held, so a release is
    /// <see cref="UnlockOutcome.Unconfirmed"/>.
    /// </summary>
    public async Task<UnlockOutcome> UnlockAsync(string holder, CancellationToken cancellationToken)
    {
        var (status, error) = await PostAsync(_steadyState, holder, cancellationToken);
        return status == HttpStatusCode.OK ? UnlockOutcome.Unconfirmed : throw Failure(_steadyState, status, error);
    }

    private async Task<(HttpStatusCode Status, FleetLockError? Error)> PostAsync(Uri url, string holder, CancellationToken cancellationToken)
    {
        var body = new FleetLockRequest(holder, Group).ToJsonBody();
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add(FleetLockProtocol.HeaderName, FleetLockProtocol.HeaderValue);
        _credentials.Apply(request);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return (HttpStatusCode.OK, null);
            }

            var text = await ReadBoundedAsync(response.Content, cancellationToken);
            return FleetLockError.TryParse(text, out var error)
                ? (response.StatusCode, error)
                : throw new RebootLockException($"the FleetLock server at {url} answered {Status(response.StatusCode)} {Garbage(text)}");
        }
        catch (HttpRequestException e)
        {
            throw new RebootLockException($"cannot reach the FleetLock server at {url}: {TlsFailures.Describe(e, _tls, url)}", e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RebootLockException($"the FleetLock server at {url} did not answer within {_http.Timeout.TotalSeconds:0.#}s", e);
        }
    }

    private static RebootLockException Failure(Uri url, HttpStatusCode status, FleetLockError? error)
    {
        var hint = error?.Kind switch
        {
            FleetLockErrorKinds.InvalidClientIdentity => " (the server refused this client's id or group)",
            FleetLockErrorKinds.UnknownGroup => " (the server is not configured for this group)",
            FleetLockErrorKinds.UntrustedClient => " (the server requires a machine token in the URL, or a client certificate naming this machine)",
            _ => "",
        };
        return new RebootLockException($"the FleetLock server at {url} answered {Status(status)}: {error?.Kind}: {error?.Value}{hint}");
    }

    private static async Task<byte[]> ReadBoundedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[MaxErrorBodyBytes + 1];
        var length = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
        return buffer[..length];
    }

    private static string Status(HttpStatusCode status) => $"{(int)status} {status}";

    private static string Garbage(byte[] body)
    {
        if (body.Length == 0)
        {
            return "with an empty body, not a FleetLock answer (is the URL right?)";
        }

        var text = System.Text.Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(body.Length, 200)));
        var shown = string.Concat(text.Select(c => char.IsControl(c) ? ' ' : c)).Trim();
        return $"with a body that is not a FleetLock error ({shown}{(body.Length > 200 ? "..." : "")})";
    }
}
