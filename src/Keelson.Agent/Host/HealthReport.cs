namespace Keelson.Agent.Host;

/// <summary>What the health checks found: nothing (healthy), or why each failing check failed.</summary>
public sealed record HealthReport(IReadOnlyList<string> Failures)
{
    public bool Healthy => Failures.Count == 0;

    public override string ToString() => Healthy ? "healthy" : string.Join("; ", Failures);
}
