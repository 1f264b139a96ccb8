using System.Globalization;

namespace Keelson.Cli.Demo;

/// <summary>The fleet in one line of plain words, for plain progress and for the message of a step that did not happen.</summary>
internal static class FleetText
{
    /// <summary>E.g. "alpha 2/4 on 1.1.0 (reboot slots 2/2: alpha-01, alpha-04), beta 4/4 on 1.0.0, stable 4/4 on 1.0.0".</summary>
    public static string Groups(FleetView view) => string.Join(", ", view.Groups.Select(Group));

    /// <summary>E.g. "alpha-07 downloading 1.1.0 40%; alpha-10 1.1.0 installed; waiting for a reboot slot" (empty when all are idle).</summary>
    public static string Busy(FleetView view, int max)
    {
        var shown = view.Busy.Take(max).Select(m => $"{m.Name} {m.What}");
        var more = view.Busy.Count > max ? string.Create(CultureInfo.InvariantCulture, $"; {view.Busy.Count - max} more busy") : "";
        return string.Join("; ", shown) + more;
    }

    public static string Group(GroupProgress group)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"{group.Name} {group.OnVersion}/{group.Machines} on {group.Version ?? "no version"}");
        if (group.SlotHolders.Count > 0)
        {
            text += string.Create(CultureInfo.InvariantCulture, $" (reboot slots {group.SlotHolders.Count}/{group.Slots}: {string.Join(", ", group.SlotHolders)})");
        }

        return group.HaltedBecause is null ? text : text + " HALTED";
    }
}
