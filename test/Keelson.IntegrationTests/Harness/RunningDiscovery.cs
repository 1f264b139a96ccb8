using System.Diagnostics;
using System.Net;

namespace Keelson.IntegrationTests.Harness;

/// <summary>
/// A <c>keelson discovery serve</c> process in a <see cref="KeelsonProcess"/> sandbox, on a loopback port it keeps
/// across restarts (the token URLs members were given must stay valid).
/// </summary>
public sealed class RunningDiscovery : IDisposable
{
    private const string ListeningPrefix = "keelson discovery listening on ";

    private readonly KeelsonProcess _keelson;
    private readonly IReadOnlyList<string> _extraArguments;

    private RunningDiscovery(KeelsonProcess keelson, RunningProcess process, Uri url, string store, IReadOnlyList<string> extraArguments)
    {
        _keelson = keelson;
        Process = process;
        Url = url;
        Store = store;
        _extraArguments = extraArguments;
        Http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary>The current run; replaced by <see cref="RestartAsync"/>.</summary>
    public RunningProcess Process { get; private set; }

    /// <summary>The address it listens on, e.g. http://127.0.0.1:40123/.</summary>
    public Uri Url { get; }

    /// <summary>The <c>--store</c> it runs with.</summary>
    public string Store { get; }

    public HttpClient Http { get; }

    /// <summary>
    /// Starts <c>keelson discovery serve --listen http://127.0.0.1:PORT --store STORE</c> (a free port when none is
    /// given) and waits until it prints its address and answers /health.
    /// </summary>
    public static async Task<RunningDiscovery> StartAsync(
        KeelsonProcess keelson, string store, int? port = null, IEnumerable<string>? extraArguments = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keelson);
        var extra = (extraArguments ?? []).ToList();
        var (process, url) = await LaunchAsync(keelson, store, port ?? LoopbackPorts.Next(), extra, cancellationToken);
        var discovery = new RunningDiscovery(keelson, process, url, store, extra);
        await discovery.WaitUntilHealthyAsync(KeelsonProcess.StartTimeout, cancellationToken);
        return discovery;
    }

    /// <summary>kill -9: held watches are cut, nothing is flushed.</summary>
    public void Kill() => Process.Kill();

    /// <summary>Kills the service and starts it again on the same port and store.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        Kill();
        (Process, _) = await LaunchAsync(_keelson, Store, Url.Port, _extraArguments, cancellationToken);
        await WaitUntilHealthyAsync(KeelsonProcess.StartTimeout, cancellationToken);
    }

    /// <summary><c>GET /new?size=N</c>: the token URL members are started with.</summary>
    public async Task<Uri> NewTokenAsync(int size, CancellationToken cancellationToken = default)
    {
        using var response = await Http.GetAsync($"/new?size={size}", cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        return response.StatusCode == HttpStatusCode.OK
            ? new Uri(body)
            : throw new HttpRequestException($"/new answered {(int)response.StatusCode}: {body}");
    }

    public async Task WaitUntilHealthyAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var last = "no answer yet";
        while (clock.Elapsed < timeout)
        {
            if (Process.HasExited)
            {
                throw new InvalidOperationException($"the discovery service exited before it was healthy:\n{Process.Describe()}");
            }

            try
            {
                using var response = await Http.GetAsync("/health", cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }

                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}";
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
        }

        throw new TimeoutException($"{Url}health did not answer 200 within {timeout.TotalSeconds:0}s (last: {last}):\n{Process.Describe()}");
    }

    public void Dispose() => Http.Dispose();

    private static async Task<(RunningProcess Process, Uri Url)> LaunchAsync(
        KeelsonProcess keelson, string store, int port, IReadOnlyList<string> extraArguments, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var process = keelson.Start(["discovery", "serve", "--listen", $"http://127.0.0.1:{port}", "--store", store, .. extraArguments]);
            try
            {
                var line = await process.WaitForLineAsync(l => l.StartsWith(ListeningPrefix, StringComparison.Ordinal), KeelsonProcess.StartTimeout, cancellationToken);
                return (process, new Uri(line[ListeningPrefix.Length..].Trim()));
            }
            catch (InvalidOperationException) when (
                process.StandardError.Contains("address already in use", StringComparison.OrdinalIgnoreCase) && clock.Elapsed < KeelsonProcess.StartTimeout)
            {
                // The killed run's port is not free yet: try again until it is.
                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
            }
        }
    }
}
