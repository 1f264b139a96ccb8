namespace Keelson.Disks;

/// <summary>The two usr slots of the A/B scheme: USR-A (partition 3 in Flatcar) and USR-B (partition 4).</summary>
public enum UsrSlotName
{
    A,
    B,
}
