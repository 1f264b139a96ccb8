using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Keelson.Server.Storage;

/// <summary>
/// How long the store takes (<c>keelson_store_operation_duration_seconds</c>, by operation <c>read</c>, <c>write</c> or,
/// on SQLite, <c>checkpoint</c>): the time <see cref="Database.ReadAsync"/>, <see cref="Database.WriteAsync"/> and a
/// background checkpoint take, waiting for the writer included. One process-wide meter, since a database is opened
/// before the server's services exist.
/// </summary>
public static class StoreMetrics
{
    public const string MeterName = "Keelson.Server.Store";

    private static readonly Meter s_meter = new(MeterName);

    private static readonly Histogram<double> s_duration = s_meter.CreateHistogram(
        "keelson.store.operation.duration", "s",
        "Time the store took for one read, one write transaction or one checkpoint, waiting for the single writer included.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });

    /// <summary>A read that started at <paramref name="startedAt"/> (a <see cref="Stopwatch.GetTimestamp"/>) ended now.</summary>
    public static void Read(long startedAt) => Record("read", startedAt);

    /// <summary>A write transaction that started at <paramref name="startedAt"/> ended now (committed or not).</summary>
    public static void Write(long startedAt) => Record("write", startedAt);

    /// <summary>A SQLite checkpoint that started at <paramref name="startedAt"/> ended now.</summary>
    public static void Checkpoint(long startedAt) => Record("checkpoint", startedAt);

    private static void Record(string operation, long startedAt)
    {
        if (s_duration.Enabled)
        {
            s_duration.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds, new KeyValuePair<string, object?>("operation", operation));
        }
    }
}
