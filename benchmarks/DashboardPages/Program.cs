using System.Globalization;
using Keelson.Server;
using Keelson.Server.Storage;

namespace DashboardPages;

/// <summary>
/// How fast the dashboard's pages and their API calls answer with a large fleet: seeds MACHINES machines (default
/// 100,000) with their history into a fresh SQLite database, starts the update service on it and a Kestrel
/// hello-world beside it (the baseline, in the same process and run), signs in, and times REQUESTS sequential
/// requests of each page and API call after a warm-up. Prints p50, p95 and the slowest, in milliseconds.
///   dotnet run -c Release --project benchmarks/DashboardPages -- [MACHINES] [REQUESTS] [KEEP_DIR]
/// With KEEP_DIR the seeded data folder is made there and kept, to look at with sqlite3 or a server.
/// benchmarks/MillionMachines runs the same pages at a million machines, on SQLite or PostgreSQL, with pruning.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var machines = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100_000;
        var requests = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 40;
        const int Seed = 20261206;
        var keep = args.Length > 2 ? Directory.CreateDirectory(args[2]).FullName : null;
        var data = keep ?? Directory.CreateTempSubdirectory("keelson-dashboard-bench-").FullName;
        try
        {
            using (var database = Database.OpenSqlite(Path.Combine(data, "keelson.db")))
            {
                await Migrations.ApplyAsync(database, TimeProvider.System, CancellationToken.None);
                var report = await FleetSeed.SeedAsync(database, machines, Seed, DateTimeOffset.UtcNow);
                Console.WriteLine($"{report} (seed {Seed})");
            }

            var options = new ServerOptions { DataDirectory = data, AdminToken = PageBench.Token };
            options.Listen.Add(new Uri("http://127.0.0.1:0"));
            await using var server = await KeelsonServer.BuildAsync(options);
            await server.StartAsync();
            await PageBench.RunAsync(new Uri(KeelsonServer.Addresses(server)[0]), requests, "stable");
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
}
