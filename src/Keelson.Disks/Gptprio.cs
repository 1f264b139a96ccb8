namespace Keelson.Disks;

/// <summary>
/// The gptprio rules: boot selection as Flatcar's GRUB <c>gptprio.next</c> makes it, and priority renumbering as
/// <c>cgpt prioritize</c> does it.
/// </summary>
internal static class Gptprio
{
    /// <summary>
    /// The partition GRUB boots: among partitions of <paramref name="slotType"/>, in entry order, those with tries
    /// left or marked successful, the first with the highest priority above 0 (a later one must beat it strictly, so a
    /// tie goes to the lower partition number). Null when none qualifies.
    /// </summary>
    public static GptPartition? Select(IEnumerable<GptPartition> partitions, Guid slotType)
    {
        GptPartition? found = null;
        foreach (var partition in partitions.OrderBy(p => p.Number))
        {
            if (partition.TypeGuid != slotType)
            {
                continue;
            }

            var attributes = partition.Attributes;
            var best = found?.Attributes.Priority ?? 0;
            if ((attributes.Tries > 0 || attributes.Successful) && attributes.Priority > best)
            {
                found = partition;
            }
        }

        return found;
    }

    /// <summary>
    /// New priorities after <c>cgpt prioritize -i <paramref name="chosen"/></c>: the slots are grouped by their current
    /// priority (the chosen one alone in a group above all others), the groups sorted from high to low, and numbered
    /// from <paramref name="maxPriority"/> (default: the number of groups, at most 15) downwards, never below 1, so
    /// the lowest groups merge at 1 when there are more groups than numbers. A group at priority 0 stays at 0.
    /// </summary>
    /// <param name="slots">Partition number and current priority of every partition of the slot type.</param>
    /// <param name="chosen">The partition that gets the top priority.</param>
    /// <param name="maxPriority">cgpt's <c>-P</c>: the top priority to use, or 0 for the default.</param>
    /// <returns>The new priority of every partition in <paramref name="slots"/>.</returns>
    public static Dictionary<int, int> Prioritize(IReadOnlyList<(int Number, int Priority)> slots, int chosen, int maxPriority = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxPriority);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxPriority, GptAttributes.MaxFieldValue);
        var result = slots.ToDictionary(s => s.Number, s => s.Priority);
        if (slots.Count == 0)
        {
            return result;
        }

        // Above any 4-bit priority, so the chosen partition sorts first whatever its current priority.
        const int ChosenGroup = 99;
        var groups = new List<(int Priority, List<int> Members)>();
        foreach (var (number, priority) in slots)
        {
            var key = number == chosen ? ChosenGroup : priority;
            var index = groups.FindIndex(g => g.Priority == key);
            if (index < 0)
            {
                groups.Add((key, [number]));
            }
            else
            {
                groups[index].Members.Add(number);
            }
        }

        groups.Sort((x, y) => y.Priority.CompareTo(x.Priority));
        if (groups[^1].Priority == 0)
        {
            groups.RemoveAt(groups.Count - 1);
        }

        var next = maxPriority != 0 ? maxPriority : Math.Min(groups.Count, GptAttributes.MaxFieldValue);
        foreach (var (_, members) in groups)
        {
            foreach (var member in members)
            {
                result[member] = next;
            }

            if (next > 1)
            {
                next--;
            }
        }

        return result;
    }
}
