using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit.Sdk;

namespace Keelson.IntegrationTests.Harness;

/// <summary>
/// A real Prometheus (Debian's <c>prometheus</c>, /usr/bin/prometheus) on a free loopback port, with its own
/// configuration and storage in the test's folder, scraping the targets it is given every second.
/// </summary>
public sealed class RunningPrometheus
{
    public const string Program = "/usr/bin/prometheus";

    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(60);

    private readonly RunningProcess _process;

    private RunningPrometheus(RunningProcess process, Uri url)
    {
        _process = process;
        Url = url;
        Http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Url { get; }

    public HttpClient Http { get; }

    /// <summary>Starts Prometheus scraping <c>/metrics</c> of each job's targets (<c>host:port</c>) every second; waits until it is ready.</summary>
    public static async Task<RunningPrometheus> StartAsync(KeelsonProcess keelson, IReadOnlyDictionary<string, string> targetsByJob)
    {
        if (!File.Exists(Program))
        {
            throw new XunitException($"{Program} is missing: apt-get install -y prometheus");
        }

        var config = keelson.PathOf("prometheus.yml");
        var jobs = string.Concat(targetsByJob.Select(job => $"""
              - job_name: {job.Key}
                static_configs:
                  - targets: ["{job.Value}"]

            """));
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
            {jobs}
            """);
        var port = LoopbackPorts.Next();
        var process = keelson.StartProgram(Program,
        [
            $"--config.file={config}",
            $"--storage.tsdb.path={keelson.PathOf("prometheus-data")}",
            $"--web.listen-address=127.0.0.1:{port}",
        ]);
        var prometheus = new RunningPrometheus(process, new Uri($"http://127.0.0.1:{port}"));
        await prometheus.WaitAsync(() => "it to be ready", async () =>
        {
            using var response = await prometheus.Http.GetAsync("/-/ready");
            return response.IsSuccessStatusCode;
        }, s_startTimeout);
        return prometheus;
    }

    /// <summary>An instant query (<c>/api/v1/query</c>): each series' labels and value.</summary>
    public async Task<IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)>> QueryAsync(string query)
    {
        var answer = await Http.GetFromJsonAsync<JsonElement>($"/api/v1/query?query={Uri.EscapeDataString(query)}");
        if (answer.GetProperty("status").GetString() != "success")
        {
            throw new XunitException($"Prometheus refused '{query}': {answer}");
        }

        return [.. answer.GetProperty("data").GetProperty("result").EnumerateArray().Select(series => (
            (IReadOnlyDictionary<string, string>)series.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!),
            double.Parse(series.GetProperty("value")[1].GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture)))];
    }

    /// <summary>Queries until one series' value satisfies <paramref name="accept"/>; fails with the last answer past the deadline.</summary>
    public async Task<double> WaitForValueAsync(string query, Func<double, bool> accept, TimeSpan timeout)
    {
        IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)> last = [];
        await WaitAsync(() => $"'{query}' to have an accepted value (last: {(last.Count == 0 ? "no series" : string.Join(", ", last.Select(s => s.Value)))})", async () =>
        {
            last = await QueryAsync(query);
            return last.Any(s => accept(s.Value));
        }, timeout);
        return last.First(s => accept(s.Value)).Value;
    }

    /// <summary>Every metric name Prometheus has stored (<c>/api/v1/label/__name__/values</c>).</summary>
    public async Task<IReadOnlySet<string>> NamesAsync()
    {
        var answer = await Http.GetFromJsonAsync<JsonElement>("/api/v1/label/__name__/values");
        return answer.GetProperty("data").EnumerateArray().Select(n => n.GetString()!).ToHashSet(StringComparer.Ordinal);
    }

    private async Task WaitAsync(Func<string> what, Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var error = "";
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new XunitException($"Prometheus exited while waiting for {what()}:\n{_process.Describe()}");
            }

            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (HttpRequestException e)
            {
                error = e.Message;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }

        throw new XunitException($"waited {timeout.TotalSeconds:0} s for {what()} {error}\n{_process.Describe()}");
    }
}
