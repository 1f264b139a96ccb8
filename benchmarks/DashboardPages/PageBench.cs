using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Keelson.Server.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace DashboardPages;

/// <summary>
/// Times the dashboard's pages and the admin API calls behind them against a running update service: signs in
/// through the sign-in form, then REQUESTS sequential requests of each after 5 warm-up requests, beside a Kestrel
/// hello world in the same process (the baseline). Prints p50, p95 and the slowest, in milliseconds.
/// </summary>
internal static partial class PageBench
{
    public const string Token = "5d2a8f1c7e4b9036a1f8d2c5e7b4096d3a8c1f5e2b7d9046c8a3f1e5d7b2c904";
    private const string App = "/api/apps/" + Migrations.CoreOsAppId;

    /// <summary>Runs every case; returns the p95 of each, by name.</summary>
    public static async Task<IReadOnlyList<(string Name, double P50, double P95, double Max)>> RunAsync(Uri server, int requests, string group)
    {
        await using var baseline = await StartBaselineAsync();
        using var browser = await SignInAsync(server);
        using var api = new HttpClient { BaseAddress = server };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var hello = new HttpClient { BaseAddress = new Uri(baseline.Urls.First()) };
        var machine = MachineId().Match(await browser.GetStringAsync("/machines?status=Error")).Groups[1].Value;
        // The cursor at the end of page 1,000: the page after it is what "Next" on that page reads.
        using var deep = JsonDocument.Parse(await api.GetStringAsync(App + "/instances?page=1000"));
        var cursor = Uri.EscapeDataString(deep.RootElement.GetProperty("next").GetString()
            ?? throw new InvalidOperationException("page 1,000 has no next cursor: seed more than 50,050 machines"));

        var cases = new (string Name, HttpClient Client, string Path)[]
        {
            ("baseline: Kestrel hello world", hello, "/hello"),
            ("page: overview", browser, "/"),
            ("api: rollout of every group", api, App + "/rollout"),
            ("api: channels with history", api, App + "/channel-history"),
            ($"page: group {group} (7 days)", browser, "/groups/" + group),
            ("api: group rollout", api, $"{App}/groups/{group}/rollout"),
            ("api: group timeline (7 days)", api, $"{App}/groups/{group}/timeline"),
            ("page: machines", browser, "/machines"),
            ("api: machines", api, App + "/instances"),
            ("page: machines, page 1000", browser, "/machines?page=1000"),
            ("api: machines, page 1000", api, App + "/instances?page=1000"),
            ("page: machines, page 1001 after a cursor", browser, "/machines?page=1001&after=" + cursor),
            ("api: machines, page 1001 after a cursor", api, App + "/instances?page=1001&after=" + cursor),
            ("page: machines, search + filter + sort", browser, "/machines?q=10.1.&status=OnHold&sort=version"),
            ("api: machines, search + filter + sort", api, App + "/instances?q=10.1.&status=OnHold&sort=version"),
            ("api: machines, search by id prefix", api, App + "/instances?q=" + machine[..12]),
            ("api: machines, search by 3 characters of id", api, App + "/instances?q=" + machine[..3]),
            ("api: machines, search matching all (q=1)", api, App + "/instances?q=1"),
            ("api: machines, search by name, by first seen", api, App + "/instances?q=node-12&sort=firstSeen"),
            ($"api: machines of {group}, failed, by first seen", api, $"{App}/instances?group={group}&status=Error&sort=-firstSeen"),
            ("page: machine", browser, "/machines/" + machine),
            ("api: machine", api, App + "/instances/" + machine),
            ("page: activity", browser, "/activity"),
            ("api: activity", api, "/api/activity"),
            ("page: reboot slots", browser, "/reboot-slots"),
            ("api: reboot slots", api, "/api/reboot-locks"),
        };

        var results = new List<(string, double, double, double)>();
        Console.WriteLine($"{"request",-48} {"p50 ms",8} {"p95 ms",8} {"max ms",8}");
        foreach (var (name, client, path) in cases)
        {
            var times = await TimeAsync(client, path, requests);
            results.Add((name, Q(times, 0.50), Q(times, 0.95), times[^1]));
            Console.WriteLine($"{name,-48} {Q(times, 0.50),8:0.0} {Q(times, 0.95),8:0.0} {times[^1],8:0.0}");
        }

        Console.WriteLine($"({requests} sequential requests each after 5 warm-up requests; {Environment.ProcessorCount} cores; server, client and baseline in one process)");
        return results;
    }

    private static async Task<double[]> TimeAsync(HttpClient client, string path, int requests)
    {
        var times = new double[requests];
        for (var i = -5; i < requests; i++)
        {
            var start = Stopwatch.GetTimestamp();
            using var response = await client.GetAsync(path);
            var body = await response.Content.ReadAsByteArrayAsync();
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"GET {path}: {(int)response.StatusCode} {System.Text.Encoding.UTF8.GetString(body)}");
            }

            if (i >= 0)
            {
                times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        }

        Array.Sort(times);
        return times;
    }

    private static double Q(double[] sorted, double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];

    private static async Task<HttpClient> SignInAsync(Uri baseUrl)
    {
        var browser = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = baseUrl };
        var csrf = CsrfField().Match(await browser.GetStringAsync("/signin")).Groups[1].Value;
        using var signIn = await browser.PostAsync("/ui/signin", new FormUrlEncodedContent(new Dictionary<string, string> { ["csrf"] = csrf, ["token"] = Token }));
        return signIn.IsSuccessStatusCode ? browser : throw new InvalidOperationException($"sign-in failed: {(int)signIn.StatusCode}");
    }

    private static async Task<WebApplication> StartBaselineAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapGet("/hello", () => Results.Text("Hello"));
        await app.StartAsync();
        return app;
    }

    [GeneratedRegex("name=\"csrf\" value=\"([^\"]+)\"")]
    private static partial Regex CsrfField();

    [GeneratedRegex("data-machine=\"([0-9a-f]+)\"")]
    private static partial Regex MachineId();
}
