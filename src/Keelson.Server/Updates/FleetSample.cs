using System.Data.Common;
using Dapper;

namespace Keelson.Server.Updates;

/// <summary>The fleet sampler's last count of machines per group, status and version, with the groups by name.</summary>
public sealed record FleetSample(DateTimeOffset TakenAt, IReadOnlyList<FleetSample.Count> Counts)
{
    /// <summary>Machines of one group in one status on one version.</summary>
    public sealed record Count(string Group, string Status, string Version, long Machines);

    /// <summary>Names the groups of <paramref name="counts"/> (one read of the small groups table, in the sample's transaction).</summary>
    public static async Task<FleetSample> NameAsync(
        DbConnection connection, DbTransaction transaction, IEnumerable<(string GroupId, string Status, string Version, long Machines)> counts, long takenAtMilliseconds)
    {
        var names = (await connection.QueryAsync<(string Id, string Name)>("SELECT id, name FROM update_groups", transaction: transaction))
            .ToDictionary(g => g.Id, g => g.Name, StringComparer.Ordinal);
        return new FleetSample(
            DateTimeOffset.FromUnixTimeMilliseconds(takenAtMilliseconds),
            [.. counts.Select(c => new Count(names.GetValueOrDefault(c.GroupId, c.GroupId), c.Status, c.Version, c.Machines))]);
    }
}
