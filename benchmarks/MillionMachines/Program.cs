using System.Diagnostics;
using System.Globalization;
using Dapper;
using DashboardPages;
using Keelson.Server;
using Keelson.Server.Storage;
using Keelson.Server.Updates;
using Microsoft.Extensions.DependencyInjection;

namespace MillionMachines;

/// <summary>
/// The update service with a million machines: seeds them (<see cref="FleetSeed"/>: five groups, histories, errors,
/// activity, a week of chart samples; first and last seen spread over 45 days so that a 30-day retention prunes
/// about 30%), reports the seeding time and the database size per machine, times the dashboard's pages and admin API
/// calls, then measures the Omaha check with wrk without and during a prune of the machines not seen for 30 days.
///   dotnet run -c Release --project benchmarks/MillionMachines -- [--machines N] [--requests N] [--data DIR]
///       [--database postgres://...] [--check-seconds N] [--connections N] [--skip-pages] [--skip-checks] [--prune-seconds N]
/// With --data the SQLite data folder is kept, and a later run on it skips the seeding (what the prune deleted is then
/// gone: seed a fresh folder to measure it again). --prune-seconds stops the prune that long after it started and
/// reports its pace, for a prune that would outlast the run.
/// </summary>
public static class Program
{
    private const int Seed = 20261206;
    private const int Days = 45;
    private const int GoneDays = 31;
    private const double GoneShare = 0.3;
    private static readonly TimeSpan s_retention = TimeSpan.FromDays(30);

    public static async Task<int> Main(string[] args)
    {
        BenchOptions options;
        try
        {
            options = BenchOptions.Parse(args);
        }
        catch (FormatException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(BenchOptions.Usage);
            return 2;
        }

        var data = options.Data ?? Directory.CreateTempSubdirectory("keelson-million-").FullName;
        try
        {
            await RunAsync(options, data);
            return 0;
        }
        finally
        {
            if (options.Data is null)
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    private static async Task RunAsync(BenchOptions options, string data)
    {
        Console.WriteLine($"load before: {Load()}");
        Directory.CreateDirectory(data);
        using (var database = Store.Open(options.Database, data))
        {
            await Migrations.ApplyAsync(database, TimeProvider.System, CancellationToken.None);
            var existing = await CountMachinesAsync(database);
            if (existing == 0)
            {
                var report = await FleetSeed.SeedAsync(database, options.Machines, Seed, DateTimeOffset.UtcNow, Days, GoneShare, GoneDays);
                Console.WriteLine($"{report} (seed {Seed}, {Store.Describe(options.Database)}, load after: {Load()})");
            }
            else
            {
                Console.WriteLine($"{existing:N0} machines already in {Store.Describe(options.Database)}: not seeded again");
            }

            Console.WriteLine(await Store.SizeAsync(database, options.Database, data));
        }

        var serverOptions = new ServerOptions
        {
            DataDirectory = data,
            AdminToken = PageBench.Token,
            // Nothing is pruned until the benchmark asks for it.
            PruneEvery = Timeout.InfiniteTimeSpan,
            InstanceRetention = s_retention,
        };
        // A million machines from one address is what the limits against floods stop: off here, explicitly, to measure the hot path.
        serverOptions.Limits.TurnOff();
        Store.Configure(serverOptions, options.Database);
        serverOptions.Listen.Add(new Uri("http://127.0.0.1:0"));
        await using var server = await KeelsonServer.BuildAsync(serverOptions);
        await server.StartAsync();
        var url = new Uri(KeelsonServer.Addresses(server)[0]);

        if (!options.SkipPages)
        {
            Console.WriteLine($"load: {Load()}");
            await PageBench.RunAsync(url, options.Requests, "stable");
        }

        if (!options.SkipChecks)
        {
            var checks = new CheckBench(url, options.Connections, options.CheckSeconds);
            await checks.PrepareAsync();
            Console.WriteLine($"load: {Load()}");
            var quiet = await checks.RunAsync("routine checks");
            var pruner = server.Services.GetRequiredService<InstancePruner>();
            var database = server.Services.GetRequiredService<Database>();
            var machinesBefore = await CountMachinesAsync(database);
            using var stopPrune = options.PruneSeconds > 0 ? new CancellationTokenSource(TimeSpan.FromSeconds(options.PruneSeconds)) : new CancellationTokenSource();
            var watch = Stopwatch.StartNew();
            var prune = Task.Run(() => pruner.PruneAsync(stopPrune.Token));
            var during = await checks.RunAsync($"routine checks while pruning machines not seen for {s_retention.TotalDays:0} days");
            var wrkEnded = watch.Elapsed;
            var stopped = false;
            try
            {
                await prune;
            }
            catch (OperationCanceledException)
            {
                stopped = true;
            }

            var pruned = machinesBefore - await CountMachinesAsync(database);
            Console.WriteLine($"pruned {pruned:N0} machines in {watch.Elapsed.TotalSeconds:0.0} s ({pruned / watch.Elapsed.TotalSeconds:N0}/s)" +
                (stopped ? $", stopped by --prune-seconds {options.PruneSeconds}" : "") +
                $"; wrk ran for the first {wrkEnded.TotalSeconds:0.0} s of it" +
                (watch.Elapsed < wrkEnded * 0.9 ? " (the prune ended before wrk: a longer prune or a shorter --check-seconds measures only pruning)" : ""));
            Console.WriteLine($"check p99: {quiet.P99} quiet, {during.P99} while pruning (target 25 ms); load: {Load()}");
        }

        await server.StopAsync();
    }

    private static Task<long> CountMachinesAsync(Database database) =>
        database.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM instances"), CancellationToken.None);

    private static string Load() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    internal static string Find(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, relative);
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new FileNotFoundException($"{relative} is not in any folder above {AppContext.BaseDirectory}: run from the repository");
    }

    internal static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
