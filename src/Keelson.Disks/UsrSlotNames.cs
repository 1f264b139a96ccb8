namespace Keelson.Disks;

/// <summary>Helpers for <see cref="UsrSlotName"/>: the partition label of a slot and the other slot of the pair.</summary>
public static class UsrSlotNames
{
    /// <summary>The partition label of the slot: "USR-A" or "USR-B".</summary>
    public static string Label(this UsrSlotName slot) => slot switch
    {
        UsrSlotName.A => "USR-A",
        UsrSlotName.B => "USR-B",
        _ => throw new ArgumentOutOfRangeException(nameof(slot), slot, "not a usr slot"),
    };

    /// <summary>The other slot of the pair: the passive one when <paramref name="slot"/> is active.</summary>
    public static UsrSlotName Other(this UsrSlotName slot) => slot switch
    {
        UsrSlotName.A => UsrSlotName.B,
        UsrSlotName.B => UsrSlotName.A,
        _ => throw new ArgumentOutOfRangeException(nameof(slot), slot, "not a usr slot"),
    };

    /// <summary>Parses "A", "B" (any case), "USR-A" or "USR-B".</summary>
    public static bool TryParse(string? text, out UsrSlotName slot)
    {
        switch (text?.Trim().ToUpperInvariant())
        {
            case "A" or "USR-A":
                slot = UsrSlotName.A;
                return true;
            case "B" or "USR-B":
                slot = UsrSlotName.B;
                return true;
            default:
                slot = default;
                return false;
        }
    }
}
