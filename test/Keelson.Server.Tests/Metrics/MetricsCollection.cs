namespace Keelson.Server.Tests.Metrics;

/// <summary>
/// Tests that read exact counts: run alone, because an exporter follows every meter of its name in the process,
/// and other tests' servers would add their checks to the counts.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsCollection
{
    public const string Name = "metrics";
}
