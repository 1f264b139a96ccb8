namespace Keelson.Disks.Boot;

/// <summary>
/// The grub-env backend's variables in <c>/keelson/grubenv</c> and the one rule that turns them into a boot
/// choice, the same rule the generated grub.cfg runs (<see cref="GrubConfig"/>): with <c>KEELSON_ORDER</c> "A B" or
/// "B A", the first slot that is good boots, else the first with a try left (which is used up); with any other
/// order (missing or garbled), a good slot before one on trial, A before B. A slot whose kernel is not on the ESP is
/// never chosen. No grubenv at all reads as a freshly imaged disk: A good and first, B empty.
/// </summary>
public static class GrubEnvState
{
    public const string OrderVariable = "KEELSON_ORDER";

    /// <summary>The orders GRUB's script accepts; anything else falls back to good-before-trial, A before B.</summary>
    public static IReadOnlyList<string> ValidOrders { get; } = ["A B", "B A"];

    public static string GoodVariable(UsrSlotName slot) => $"KEELSON_{slot}_GOOD";

    public static string TryVariable(UsrSlotName slot) => $"KEELSON_{slot}_TRY";

    /// <summary>The release the slot holds, recorded at install for <c>keelson boot show</c>; GRUB does not read it.</summary>
    public static string VersionVariable(UsrSlotName slot) => $"KEELSON_{slot}_VERSION";

    /// <summary>The order that puts <paramref name="first"/> first.</summary>
    public static string OrderWithFirst(UsrSlotName first) => $"{first} {first.Other()}";

    /// <summary>The block of a freshly imaged disk, and what GRUB assumes when there is none: A good and first, B empty.</summary>
    public static GrubEnvironmentBlock Fresh()
    {
        var block = GrubEnvironmentBlock.Create();
        block.Set(OrderVariable, OrderWithFirst(UsrSlotName.A));
        block.Set(GoodVariable(UsrSlotName.A), "1");
        block.Set(TryVariable(UsrSlotName.A), "0");
        block.Set(GoodVariable(UsrSlotName.B), "0");
        block.Set(TryVariable(UsrSlotName.B), "0");
        return block;
    }

    /// <summary>
    /// Both slots' state as GRUB will read it. Priority 2 boots before 1 (the order, or good before trial when the
    /// order is not valid); 0 when the slot's kernel is missing.
    /// </summary>
    /// <param name="block">The environment block, or null when there is none (GRUB then boots A as a fresh disk).</param>
    /// <param name="hasKernel">Whether the slot's kernel is on the ESP.</param>
    public static BootState Read(GrubEnvironmentBlock? block, Func<UsrSlotName, bool> hasKernel)
    {
        ArgumentNullException.ThrowIfNull(hasKernel);
        block ??= Fresh();
        var order = block.Get(OrderVariable);
        return new BootState(Slot(UsrSlotName.A), Slot(UsrSlotName.B));

        SlotBootState Slot(UsrSlotName slot)
        {
            var good = block.Get(GoodVariable(slot)) == "1";
            var tries = block.Get(TryVariable(slot)) == "1" ? 1 : 0;
            var priority = order == ValidOrders[0] || order == ValidOrders[1]
                ? (order[0] == slot.ToString()[0] ? 2 : 1)
                : (good ? 2 : 1);
            return new SlotBootState(slot, hasKernel(slot) ? priority : 0, good ? 0 : tries, good, block.Get(VersionVariable(slot)));
        }
    }
}
