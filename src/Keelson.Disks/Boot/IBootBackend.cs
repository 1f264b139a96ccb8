namespace Keelson.Disks.Boot;

/// <summary>
/// Where the choice of the usr slot to boot lives, and how the agent changes it: the GPT attributes Flatcar's GRUB
/// reads (<see cref="BootBackendKind.Gptprio"/>), upstream GRUB's environment block, or systemd-boot's entries with
/// boot counting. Every backend keeps the same rules: a slot just installed gets one try and boots first; a slot
/// that was tried and never marked good is never chosen again until it is reinstalled; a slot marked good boots
/// first from then on.
/// </summary>
/// <remarks>
/// The slots themselves (their partitions, PARTUUIDs and byte ranges) are always read from the GPT; a backend only
/// says which of them boots, how often, and from which kernel.
/// </remarks>
public interface IBootBackend
{
    BootBackendKind Kind { get; }

    /// <summary>
    /// Whether the bootloader loads a slot's kernel from the ESP, so that an install must hand over the kernel (and
    /// initrd) found in the new slot (<see cref="SlotKernel"/>); false for gptprio, whose GRUB knows its kernels.
    /// </summary>
    bool NeedsKernel { get; }

    /// <summary>The boot state of both slots as the bootloader will read it at the next reset.</summary>
    Task<BootState> ReadAsync(CancellationToken cancellationToken);

    /// <summary>Makes <paramref name="slot"/> unbootable before an image is written into it (no tries, not good, never chosen).</summary>
    Task DisableAsync(UsrSlot slot, CancellationToken cancellationToken);

    /// <summary>
    /// After an image was written into <paramref name="slot"/>: one try, not good, first to boot.
    /// </summary>
    /// <param name="slot">The slot written.</param>
    /// <param name="kernel">The new slot's kernel, required when <see cref="NeedsKernel"/>.</param>
    Task MarkInstalledAsync(UsrSlot slot, SlotKernel? kernel, CancellationToken cancellationToken);

    /// <summary>The booted <paramref name="slot"/> came up healthy: good, no tries left to count, first to boot.</summary>
    Task MarkGoodAsync(UsrSlot slot, CancellationToken cancellationToken);

    /// <summary>
    /// A rollback by hand: <paramref name="slot"/> boots next; a slot never marked good gets one try (so that the
    /// fallback still works if it does not come up).
    /// </summary>
    Task PrioritizeAsync(UsrSlot slot, CancellationToken cancellationToken);

    /// <summary>
    /// Counts one try of <paramref name="slot"/> as the bootloader would when it boots it, for a reboot that skips
    /// the bootloader (kexec); returns the kernel to load. Null when this backend does not know its kernels.
    /// </summary>
    Task<KexecTarget?> CountTryAsync(UsrSlot slot, CancellationToken cancellationToken);
}

/// <summary>The boot backends Keelson knows, named as <c>KEELSON_BOOT_BACKEND</c> and <c>--boot-backend</c> name them.</summary>
public enum BootBackendKind
{
    /// <summary><c>gptprio</c>: priority, tries and successful in the GPT attributes of USR-A/USR-B (Flatcar's GRUB).</summary>
    Gptprio,

    /// <summary><c>grub-env</c>: upstream GRUB with a grub.cfg Keelson generates, the state in <c>grubenv</c> on the ESP.</summary>
    GrubEnv,

    /// <summary><c>systemd-boot</c>: Boot Loader Specification entries on the ESP with boot counting in their names.</summary>
    SystemdBoot,
}

/// <summary>One slot's boot state.</summary>
/// <param name="Slot">A or B.</param>
/// <param name="Priority">Higher boots first; 0 never boots.</param>
/// <param name="TriesLeft">Boots left before the slot counts as failed (0 once marked good or used up).</param>
/// <param name="Good">Marked good after a healthy boot.</param>
/// <param name="Version">The version the bootloader's entry names, when the backend records one.</param>
public sealed record SlotBootState(UsrSlotName Slot, int Priority, int TriesLeft, bool Good, string? Version = null)
{
    /// <summary>Whether the bootloader may pick the slot at all.</summary>
    public bool Bootable => Priority > 0 && (Good || TriesLeft > 0);
}

/// <summary>Both slots' boot state.</summary>
public sealed record BootState(SlotBootState A, SlotBootState B)
{
    public SlotBootState this[UsrSlotName slot] => slot == UsrSlotName.A ? A : B;

    /// <summary>The slot the bootloader picks next (the bootable one with the higher priority; A on a tie), or null.</summary>
    public SlotBootState? Next =>
        (A.Bootable, B.Bootable) switch
        {
            (true, true) => B.Priority > A.Priority ? B : A,
            (true, false) => A,
            (false, true) => B,
            _ => null,
        };
}

/// <summary>The kernel found in a newly written slot, for a bootloader that loads it from the ESP.</summary>
/// <param name="Version">The release the slot holds.</param>
/// <param name="KernelPath">A local file holding the kernel image.</param>
/// <param name="InitrdPath">A local file holding the initrd, or null.</param>
/// <param name="CommandLine">The kernel command line without the usr partition (which the backend adds for the slot).</param>
public sealed record SlotKernel(string Version, string KernelPath, string? InitrdPath, string CommandLine);

/// <summary>What <c>kexec -l</c> loads to boot a slot without the firmware.</summary>
public sealed record KexecTarget(string KernelPath, string? InitrdPath, string CommandLine);
