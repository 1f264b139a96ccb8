using System.Text.Json;
using Xunit.Abstractions;

namespace Keelson.Dashboard.Tests;

/// <summary>
/// A fleet with every rollout stage on show, made as a publisher and machines would make it: two releases
/// published and the channels set through the admin API, machines moved by their own Omaha checks and events.
/// </summary>
/// <remarks>
/// alpha (channel alpha at <see cref="New"/>): two machines on target (one came up to date by a full update), one
/// downloading, one rolled back, one not yet offered (it checked in before the channel moved). edge (also on
/// alpha, one update an hour): one updating, one held back by the rate limit. beta and stable (at <see cref="Old"/>):
/// up to date machines, and on stable one installed and waiting for its reboot.
/// </remarks>
internal sealed class SampleFleet
{
    public const string Older = "3815.2.5";
    public const string Old = "3975.2.0";
    public const string New = "4081.1.0";

    private SampleFleet(IReadOnlyDictionary<string, FleetMachine[]> groups) => Groups = groups;

    /// <summary>The machines of each group.</summary>
    public IReadOnlyDictionary<string, FleetMachine[]> Groups { get; }

    /// <summary>Alpha's machine that checked in before alpha moved to <see cref="New"/>: the next check offers it.</summary>
    public FleetMachine NotYetOffered => Groups["alpha"][4];

    /// <summary>Alpha's machine that rolled back from <see cref="New"/>.</summary>
    public FleetMachine RolledBack => Groups["alpha"][3];

    public static async Task<SampleFleet> CreateAsync(DashboardServer server, ITestOutputHelper log)
    {
        ArgumentNullException.ThrowIfNull(server);
        var ids = MachineIds.Create(log);
        FleetMachine Machine(string group, string version, string alias) => server.Machine(ids.Next(), group, version, alias);

        await server.PublishAsync(Old);
        await server.PublishAsync(New);
        foreach (var channel in new[] { "alpha", "beta", "stable" })
        {
            await server.SetChannelAsync(channel, Old);
        }

        await server.CreateGroupAsync("edge", "alpha");
        await server.UpdateGroupAsync("edge", new { maxUpdatesPerPeriod = 1, period = "1h" });

        FleetMachine[] alpha =
        [
            Machine("alpha", New, "alpha-web-1"), Machine("alpha", Old, "alpha-web-2"), Machine("alpha", Old, "alpha-db-1"),
            Machine("alpha", Old, "alpha-db-2"), Machine("alpha", Old, "alpha-cache-1"),
        ];
        FleetMachine[] edge = [Machine("edge", Old, "edge-proxy-1"), Machine("edge", Old, "edge-proxy-2")];
        FleetMachine[] beta = [Machine("beta", Old, "beta-web-1"), Machine("beta", Old, "beta-web-2"), Machine("beta", Old, "beta-db-1")];
        FleetMachine[] stable =
        [
            Machine("stable", Old, "web-1"), Machine("stable", Old, "web-2"), Machine("stable", Old, "db-1"), Machine("stable", Older, "db-2"),
        ];

        await alpha[4].CheckAsync();
        await server.SetChannelAsync("alpha", New);
        await alpha[0].CheckAsync();
        await alpha[1].InstallAsync();
        await alpha[1].BootIntoAsync(New);
        await alpha[2].CheckGrantedAsync();
        await alpha[2].ReportAsync(UpdateEngineEvent.DownloadStarted);
        await alpha[3].InstallAsync();
        await alpha[3].RollBackAsync();

        await edge[0].CheckGrantedAsync();
        await edge[1].CheckAsync();

        foreach (var machine in beta.Concat(stable[..3]))
        {
            await machine.CheckAsync();
        }

        await stable[3].InstallAsync();

        var fleet = new SampleFleet(new Dictionary<string, FleetMachine[]> { ["alpha"] = alpha, ["edge"] = edge, ["beta"] = beta, ["stable"] = stable });
        // Checks of machines that are up to date are written in batches: wait until the server counts every machine.
        await Eventually.UntilAsync(
            server.RolloutAsync,
            rollout => fleet.Groups.All(group => Total(rollout, group.Key) == group.Value.Length),
            "every machine of the sample fleet is counted by GET /api/apps/{app}/rollout");
        return fleet;
    }

    /// <summary>The progress of <paramref name="group"/> in an answer of <c>GET /api/apps/{app}/rollout</c>.</summary>
    public static JsonElement Progress(JsonElement rollout, string group) =>
        rollout.EnumerateArray().First(g => g.GetProperty("group").GetProperty("name").GetString() == group).GetProperty("progress");

    private static long Total(JsonElement rollout, string group) =>
        rollout.EnumerateArray().Any(g => g.GetProperty("group").GetProperty("name").GetString() == group)
            ? Progress(rollout, group).GetProperty("total").GetInt64()
            : -1;
}
