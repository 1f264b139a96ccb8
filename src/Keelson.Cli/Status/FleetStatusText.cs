using System.Globalization;
using Keelson.Cli.Output;
using Keelson.Server.Api.Contracts;
using Keelson.Server.Rollout;

namespace Keelson.Cli.Status;

/// <summary>
/// <see cref="FleetStatus"/> for a person: one table row per group, then what needs a look in each group (versions,
/// statuses, held and failed machines with their reasons, a pause), then who holds a reboot slot and for how long.
/// </summary>
internal sealed class FleetStatusText(ConsoleOutput output, DateTimeOffset now)
{
    public void Print(FleetStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        output.Table(
            ["GROUP", "CHANNEL", "VERSION", "UPDATES", "ON TARGET", "UPDATING", "HELD", "FAILED", "NOT OFFERED"],
            status.Groups.Select(g => (IReadOnlyList<string?>)[
                g.Group.Name, g.Group.Channel, g.Group.Version ?? "(none)", g.Group.UpdatesEnabled ? "enabled" : "paused",
                $"{Count(g.Progress.OnTarget)}/{Count(g.Progress.Total)}", Count(g.Progress.Updating), Count(g.Progress.OnHold),
                Count(g.Progress.Failed), Count(g.Progress.NotYetOffered)]));

        foreach (var rollout in status.Groups)
        {
            output.Line("");
            PrintGroup(rollout);
        }

        output.Line("");
        var held = status.RebootLocks.Where(l => l.Holders.Count > 0).ToList();
        if (held.Count == 0)
        {
            output.Line("reboot slots: none held");
            return;
        }

        output.Table(["REBOOT GROUP", "SLOTS", "HOLDER", "SINCE"],
            held.SelectMany(l => l.Holders.Select(h => (IReadOnlyList<string?>)[
                l.Group, $"{Count(l.Holders.Count)}/{Count(l.Slots)}", h.Id, Format.TimeAndAge(h.Since, now)])));
    }

    private void PrintGroup(GroupRollout rollout)
    {
        var (group, progress) = (rollout.Group, rollout.Progress);
        var fields = new List<(string Key, string? Value)>
        {
            ("group", $"{group.Name}: {OnTarget(progress)}"),
            ("channel", $"{group.Channel} -> {group.Version ?? "no package"}"),
        };
        if (!group.UpdatesEnabled)
        {
            fields.Add(("paused", group.PausedReason ?? "paused"));
        }

        fields.Add(("policy", PolicyWords.Describe(group, withPause: false)));
        if (progress.Total > 0)
        {
            fields.Add(("versions", Tallies(progress.Versions)));
            fields.Add(("statuses", Tallies(progress.Statuses)));
        }

        if (progress.UpdatingByStatus.Count > 0)
        {
            fields.Add(("updating", Tallies(progress.UpdatingByStatus)));
        }

        if (progress.HoldReasons.Count > 0)
        {
            fields.Add(("held", Tallies(progress.HoldReasons)));
        }

        if (progress.FailedByError.Count > 0)
        {
            fields.Add(("failed", Tallies(progress.FailedByError)));
        }

        output.Fields(fields);
    }

    private static string OnTarget(RolloutProgress progress) => progress switch
    {
        { Total: 0 } => "no machines",
        { Target: null } => $"{Machines(progress.Total)}, no version to roll out",
        _ => $"{Count(progress.OnTarget)} of {Machines(progress.Total)} on {progress.Target} "
            + $"({(100.0 * progress.OnTarget / progress.Total).ToString("0", CultureInfo.InvariantCulture)}%)",
    };

    /// <summary>"2512.2.0 x2, 2605.10.0 x1": each value with its machine count, in the server's order.</summary>
    private static string Tallies(IEnumerable<Tally> tallies) => string.Join(", ", tallies.Select(t => $"{t.Name} x{Count(t.Machines)}"));

    private static string Machines(long count) => count == 1 ? "1 machine" : $"{Count(count)} machines";

    private static string Count(long value) => value.ToString(CultureInfo.InvariantCulture);
}
