using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Keelson.Server;
using Keelson.Server.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace DashboardPages;

/// <summary>
/// How fast the dashboard's pages and their API calls answer with a large fleet: seeds MACHINES machines (default
/// 100,000) with their history into a fresh SQLite database, starts the update service on it and a Kestrel
/// hello-world beside it (the baseline, in the same process and run), signs in, and times REQUESTS sequential
/// requests of each page and API call after a warm-up. Prints p50, p95 and the slowest, in milliseconds.
///   dotnet run -c Release --project benchmarks/DashboardPages -- [MACHINES] [REQUESTS] [KEEP_DIR]
/// With KEEP_DIR the seeded data folder is made there and kept, to look at with sqlite3 or a server.
/// </summary>
public static partial class Program
{
    private const string Token = "dashboard-benchmark-token";
    private const string App = "/api/apps/" + Migrations.CoreOsAppId;

    public static async Task<int> Main(string[] args)
    {
        var machines = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100_000;
        var requests = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 40;
        const int Seed = 20261206;
        var keep = args.Length > 2 ? Directory.CreateDirectory(args[2]).FullName : null;
        var data = keep ?? Directory.CreateTempSubdirectory("keelson-dashboard-bench-").FullName;
        try
        {
            var watch = Stopwatch.StartNew();
            using (var database = Database.OpenSqlite(Path.Combine(data, "keelson.db")))
            {
                await Migrations.ApplyAsync(database, TimeProvider.System, CancellationToken.None);
                await FleetSeed.SeedAsync(database, machines, Seed, DateTimeOffset.UtcNow);
            }

            Console.WriteLine($"seeded {machines:N0} machines, {machines * 5:N0} history entries, 2,000 activity entries and a week of samples in {watch.Elapsed.TotalSeconds:0.0} s (seed {Seed})");

            var options = new ServerOptions { DataDirectory = data, AdminToken = Token };
            options.Listen.Add(new Uri("http://127.0.0.1:0"));
            await using var server = await KeelsonServer.BuildAsync(options);
            await server.StartAsync();
            var baseUrl = new Uri(KeelsonServer.Addresses(server)[0]);
            await using var baseline = await StartBaselineAsync();

            using var browser = await SignInAsync(baseUrl);
            using var api = new HttpClient { BaseAddress = baseUrl };
            api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
            using var hello = new HttpClient { BaseAddress = new Uri(baseline.Urls.First()) };
            var machine = MachineId().Match(await browser.GetStringAsync("/machines?status=Error")).Groups[1].Value;

            var cases = new (string Name, HttpClient Client, string Path)[]
            {
                ("baseline: Kestrel hello world", hello, "/hello"),
                ("page: overview", browser, "/"),
                ("api: rollout of every group", api, App + "/rollout"),
                ("api: channels with history", api, App + "/channel-history"),
                ("page: group stable (7 days)", browser, "/groups/stable"),
                ("api: group rollout", api, App + "/groups/stable/rollout"),
                ("api: group timeline (7 days)", api, App + "/groups/stable/timeline"),
                ("page: machines", browser, "/machines"),
                ("api: machines", api, App + "/instances"),
                ("page: machines, page 1000", browser, "/machines?page=1000"),
                ("api: machines, page 1000", api, App + "/instances?page=1000"),
                ("page: machines, search + filter + sort", browser, "/machines?q=10.1.&status=OnHold&sort=version"),
                ("api: machines, search + filter + sort", api, App + "/instances?q=10.1.&status=OnHold&sort=version"),
                ("page: machine", browser, "/machines/" + machine),
                ("api: machine", api, App + "/instances/" + machine),
                ("page: activity", browser, "/activity"),
                ("api: activity", api, "/api/activity"),
                ("page: reboot slots", browser, "/reboot-slots"),
                ("api: reboot slots", api, "/api/reboot-locks"),
            };

            Console.WriteLine($"{"request",-42} {"p50 ms",8} {"p95 ms",8} {"max ms",8}");
            foreach (var (name, client, path) in cases)
            {
                var times = await TimeAsync(client, path, requests);
                Console.WriteLine($"{name,-42} {Q(times, 0.50),8:0.0} {Q(times, 0.95),8:0.0} {times[^1],8:0.0}");
            }

            Console.WriteLine($"({requests} sequential requests each after 5 warm-up requests; {Environment.ProcessorCount} cores; server, client and baseline in one process)");
            await server.StopAsync();
            return 0;
        }
        finally
        {
            if (keep is null)
            {
                Directory.Delete(data, recursive: true);
            }
        }
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
