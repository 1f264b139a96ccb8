namespace DashboardPages;

/// <summary>What <see cref="FleetSeed"/> wrote and how long it took.</summary>
internal sealed class SeedReport(int machines)
{
    public int Machines { get; } = machines;

    public long History { get; set; }

    public long Activity { get; set; }

    public long Samples { get; set; }

    public TimeSpan Elapsed { get; set; }

    public override string ToString() =>
        $"seeded {Machines:N0} machines, {History:N0} history entries, {Activity:N0} activity entries and {Samples:N0} chart samples in {Elapsed.TotalSeconds:0.0} s ({Machines / Math.Max(0.001, Elapsed.TotalSeconds):N0} machines/s)";
}
