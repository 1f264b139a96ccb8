namespace Keelson.Disks;

/// <summary>
/// The outcome of one gptprio selection (GRUB's <c>gptprio.next</c>): the slot that boots, or none when no usr
/// partition has priority above 0 and tries left or successful. Not booting is an outcome, not an error.
/// </summary>
/// <param name="Slot">The chosen slot with its attributes after the selection (tries already decremented), or null.</param>
/// <param name="Partition">The chosen usr-type partition; differs from <paramref name="Slot"/> only when the winner is a usr partition that is neither USR-A nor USR-B.</param>
/// <param name="TriesDecremented">The winner had tries left; one was used up and the GPT written back.</param>
public sealed record BootSelection(UsrSlot? Slot, GptPartition? Partition, bool TriesDecremented)
{
    /// <summary>A partition was chosen.</summary>
    public bool CanBoot => Partition is not null;

    /// <summary>No usr partition qualifies: the boot fails.</summary>
    public static BootSelection None { get; } = new(null, null, false);
}
