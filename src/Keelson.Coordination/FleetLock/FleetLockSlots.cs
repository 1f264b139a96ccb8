using System.Collections.ObjectModel;
using System.Globalization;

namespace Keelson.Coordination.FleetLock;

/// <summary>
/// How many machines of each reboot group may reboot at once, from a FleetLock server's configuration: one count for
/// every group, and counts for named groups that differ from it.
/// </summary>
public sealed class FleetLockSlots
{
    /// <summary>The most slots a group may be given.</summary>
    public const int MaxSlots = 100_000;

    /// <param name="defaultSlots">Slots of every group not named in <paramref name="groups"/>; 0 stops their reboots.</param>
    /// <param name="groups">Slots of particular groups, by name (case-sensitive, as the protocol compares groups).</param>
    public FleetLockSlots(int defaultSlots, IReadOnlyDictionary<string, int>? groups = null)
    {
        CheckCount(defaultSlots, "the default slot count");
        var copy = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (group, slots) in groups ?? new Dictionary<string, int>())
        {
            if (!FleetLockProtocol.IsValidGroup(group, out var error))
            {
                throw new ArgumentException(error, nameof(groups));
            }

            CheckCount(slots, $"the slot count of group '{group}'");
            copy[group] = slots;
        }

        Default = defaultSlots;
        Groups = new ReadOnlyDictionary<string, int>(copy);
    }

    public int Default { get; }

    public IReadOnlyDictionary<string, int> Groups { get; }

    /// <summary>The slots of <paramref name="group"/>.</summary>
    public int For(string group) => Groups.TryGetValue(group, out var slots) ? slots : Default;

    /// <summary>Reads <c>NAME=N</c>, the form <c>--group-slots</c> takes; <paramref name="error"/> says what is wrong.</summary>
    public static bool TryParseGroupSlots(string? text, out string group, out int slots, out string error)
    {
        group = "";
        slots = 0;
        var separator = text?.LastIndexOf('=') ?? -1;
        if (text is null || separator < 0)
        {
            error = $"'{text}' is not NAME=N (e.g. workers=2)";
            return false;
        }

        if (!FleetLockProtocol.IsValidGroup(text[..separator], out error))
        {
            return false;
        }

        if (!int.TryParse(text.AsSpan(separator + 1), NumberStyles.None, CultureInfo.InvariantCulture, out slots) || slots > MaxSlots)
        {
            error = $"'{text}' does not end in a slot count from 0 to {MaxSlots} (NAME=N, e.g. workers=2)";
            return false;
        }

        group = text[..separator];
        error = "";
        return true;
    }

    /// <summary>Why a lock is refused when every slot is held, naming the holders (the first ten).</summary>
    public static string DescribeFull(string group, int slots, IReadOnlyCollection<string> holders)
    {
        ArgumentNullException.ThrowIfNull(holders);
        if (slots == 0)
        {
            return $"group '{group}' has 0 reboot slots: its reboots are stopped";
        }

        const int named = 10;
        var more = holders.Count > named ? $" and {holders.Count - named} more" : "";
        return $"all {slots} reboot slot{(slots == 1 ? "" : "s")} of group '{group}' are held: {string.Join(", ", holders.Take(named))}{more}";
    }

    private static void CheckCount(int slots, string what)
    {
        if (slots is < 0 or > MaxSlots)
        {
            throw new ArgumentOutOfRangeException(nameof(slots), slots, $"{what} must be from 0 to {MaxSlots}");
        }
    }
}
