namespace Keelson.Agent.Configuration;

/// <summary>The names of the reboot strategies as update.conf writes them.</summary>
public static class RebootStrategyNames
{
    private static readonly (RebootStrategy Strategy, string Name)[] s_names =
    [
        (RebootStrategy.BestEffort, "best-effort"),
        (RebootStrategy.EtcdLock, "etcd-lock"),
        (RebootStrategy.Reboot, "reboot"),
        (RebootStrategy.Off, "off"),
        (RebootStrategy.FleetLock, "fleetlock"),
    ];

    /// <summary>All names, in this order: best-effort, etcd-lock, reboot, off, fleetlock.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. s_names.Select(n => n.Name)];

    /// <summary>All names, for messages: best-effort, etcd-lock, reboot, off, fleetlock.</summary>
    public static string All { get; } = string.Join(", ", Names);

    public static string Name(this RebootStrategy strategy) => s_names.First(n => n.Strategy == strategy).Name;

    public static bool TryParse(string? text, out RebootStrategy strategy)
    {
        foreach (var (candidate, name) in s_names)
        {
            if (name == text)
            {
                strategy = candidate;
                return true;
            }
        }

        strategy = default;
        return false;
    }
}
