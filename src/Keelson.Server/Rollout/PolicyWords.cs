using System.Globalization;
using Keelson.Coordination;
using Keelson.Server.Api.Contracts;

namespace Keelson.Server.Rollout;

/// <summary>A group's rollout policy as an operator says it: "safe mode, at most 10 per hour, Mon-Fri 09:00-17:00 Europe/Berlin, ramp over 24 h".</summary>
public static class PolicyWords
{
    /// <param name="withPause">Whether a paused group says so first (a page that shows the pause on its own leaves it out).</param>
    public static string Describe(GroupInfo group, bool withPause = true)
    {
        ArgumentNullException.ThrowIfNull(group);
        var parts = new List<string>();
        if (withPause && !group.UpdatesEnabled)
        {
            parts.Add(group.PausedReason is { Length: > 0 } reason ? $"paused ({reason})" : "paused");
        }

        if (group.SafeMode)
        {
            parts.Add("safe mode");
        }

        if (group.MaxUpdatesPerPeriod > 0)
        {
            parts.Add($"at most {group.MaxUpdatesPerPeriod.ToString(CultureInfo.InvariantCulture)} per {Period(group.Period)}");
        }

        if (group.Windows.Count > 0)
        {
            var windows = group.Windows.Select(text => TimeWindow.TryParse(text, out var window, out _) ? window!.DescribeHours() : text);
            parts.Add($"{string.Join(", ", windows)} {group.TimeZone}");
        }

        if (GoDuration.TryParse(group.Ramp, out var ramp) && ramp > TimeSpan.Zero)
        {
            parts.Add($"ramp over {Span(ramp)}");
        }

        return parts.Count == 0 ? "every machine at once, any time" : string.Join(", ", parts);
    }

    private static string Period(string period) =>
        GoDuration.TryParse(period, out var span) ? span switch
        {
            { TotalMinutes: 1 } => "minute",
            { TotalHours: 1 } => "hour",
            { TotalDays: 1 } => "day",
            { TotalDays: 7 } => "week",
            _ => Span(span),
        }
        : period;

    private static string Span(TimeSpan span) =>
        span.TotalHours >= 1 && span.TotalHours == Math.Floor(span.TotalHours)
            ? $"{span.TotalHours.ToString(CultureInfo.InvariantCulture)} h"
            : span.TotalMinutes == Math.Floor(span.TotalMinutes)
                ? $"{span.TotalMinutes.ToString(CultureInfo.InvariantCulture)} min"
                : GoDuration.Format(span);
}
