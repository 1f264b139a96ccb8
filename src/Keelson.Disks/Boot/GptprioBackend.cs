namespace Keelson.Disks.Boot;

/// <summary>
/// The boot state in the GPT attributes of USR-A and USR-B, as Flatcar's GRUB (<c>gptprio.next</c>) reads them and
/// <c>cgpt</c> writes them. Each change is one GPT write.
/// </summary>
/// <param name="diskPath">The disk (block device or image) holding the slots.</param>
public sealed class GptprioBackend(string diskPath) : IBootBackend, IBootSimulator
{
    public BootBackendKind Kind => BootBackendKind.Gptprio;

    public bool NeedsKernel => false;

    public async Task<BootState> ReadAsync(CancellationToken cancellationToken)
    {
        using var disk = await GptDisk.OpenAsync(diskPath, writable: false, cancellationToken: cancellationToken);
        return new BootState(StateOf(disk.GetSlot(UsrSlotName.A)), StateOf(disk.GetSlot(UsrSlotName.B)));
    }

    public Task DisableAsync(UsrSlot slot, CancellationToken cancellationToken) =>
        ChangeAsync(disk => disk.SetSlotAttributesAsync(slot.Name, priority: 0, tries: 0, successful: false, cancellationToken: cancellationToken), cancellationToken);

    public Task MarkInstalledAsync(UsrSlot slot, SlotKernel? kernel, CancellationToken cancellationToken) =>
        ChangeAsync(disk => disk.MarkInstalledAsync(slot.Name, cancellationToken), cancellationToken);

    public Task MarkGoodAsync(UsrSlot slot, CancellationToken cancellationToken) =>
        ChangeAsync(disk => disk.MarkGoodAsync(slot.Name, cancellationToken), cancellationToken);

    public Task PrioritizeAsync(UsrSlot slot, CancellationToken cancellationToken) =>
        ChangeAsync(
            async disk =>
            {
                var current = disk.GetSlot(slot.Name);
                return await disk.SetSlotAttributesAsync(
                    slot.Name, tries: current.Successful ? null : 1, successful: current.Successful ? null : false, prioritize: true, cancellationToken: cancellationToken);
            },
            cancellationToken);

    /// <summary>Flatcar's GRUB knows where its kernels are; Keelson does not, so a kexec cannot be prepared here.</summary>
    public Task<KexecTarget?> CountTryAsync(UsrSlot slot, CancellationToken cancellationToken) => Task.FromResult<KexecTarget?>(null);

    /// <summary>One gptprio selection as Flatcar's GRUB makes it (<see cref="GptDisk.BootAsync"/>); null also when the winner is a usr partition other than USR-A/USR-B.</summary>
    public async Task<SimulatedBoot?> SimulateBootAsync(CancellationToken cancellationToken)
    {
        using var disk = await GptDisk.OpenAsync(diskPath, writable: true, cancellationToken: cancellationToken);
        var selection = await disk.BootAsync(cancellationToken);
        return selection.Slot is { } slot ? new SimulatedBoot(slot.Name, slot.PartitionUuid, selection.TriesDecremented) : null;
    }

    private static SlotBootState StateOf(UsrSlot slot) => new(slot.Name, slot.Priority, slot.Tries, slot.Successful);

    private async Task ChangeAsync(Func<GptDisk, Task<UsrSlot>> change, CancellationToken cancellationToken)
    {
        using var disk = await GptDisk.OpenAsync(diskPath, writable: true, cancellationToken: cancellationToken);
        await change(disk);
    }
}
