using Keelson.Coordination;
using Keelson.Server.Storage;

namespace Keelson.Server.Rollout;

/// <summary>A group's rollout policy, parsed from its row.</summary>
public sealed record RolloutPolicy(
    bool UpdatesEnabled,
    string? PausedReason,
    bool SafeMode,
    int MaxUpdatesPerPeriod,
    TimeSpan Period,
    TimeSpan UpdateTimeout,
    IReadOnlyList<TimeWindow> Windows,
    TimeZoneInfo TimeZone,
    TimeSpan RampDuration)
{
    /// <summary>Reads a stored policy. The API validated it when it was written, so a failure here is corruption.</summary>
    public static RolloutPolicy From(GroupRow group)
    {
        var windows = new List<TimeWindow>();
        foreach (var text in SplitWindows(group.Windows))
        {
            if (!TimeWindow.TryParse(text, out var window, out var error))
            {
                throw new InvalidOperationException($"group '{group.Name}' has a corrupt maintenance window: {error}");
            }

            windows.Add(window!);
        }

        return new RolloutPolicy(
            group.UpdatesEnabled,
            group.PausedReason,
            group.SafeMode,
            group.MaxUpdatesPerPeriod,
            TimeSpan.FromSeconds(group.PeriodSeconds),
            TimeSpan.FromSeconds(group.UpdateTimeoutSeconds),
            windows,
            TimeZoneInfo.FindSystemTimeZoneById(group.TimeZone),
            TimeSpan.FromSeconds(group.RampSeconds));
    }

    public static IEnumerable<string> SplitWindows(string windows) =>
        windows.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
