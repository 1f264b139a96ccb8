using Keelson.Disks;
using Keelson.Disks.Boot;

namespace Keelson.Agent.Tests.Engine;

/// <summary>
/// A boot backend in memory that keeps the rules every backend keeps (install: one try, first; good: first, no
/// tries; a rollback: first, one try if never good), records each call, and fails the operation it is told to.
/// </summary>
internal sealed class FakeBootBackend : IBootBackend
{
    private readonly Lock _lock = new();

    /// <summary>A: good, booting; B: empty.</summary>
    public BootState State { get; set; } = new(new SlotBootState(UsrSlotName.A, 1, 0, true), new SlotBootState(UsrSlotName.B, 0, 0, false));

    public BootBackendKind Kind => BootBackendKind.GrubEnv;

    public bool NeedsKernel { get; init; }

    /// <summary>What <see cref="CountTryAsync"/> returns (null: a backend that does not know its kernels).</summary>
    public KexecTarget? KexecTarget { get; set; }

    /// <summary>The operation that throws a <see cref="DiskException"/>: disable, installed, good, prioritize, count.</summary>
    public string? FailOn { get; set; }

    public List<string> Calls { get; } = [];

    public SlotKernel? InstalledKernel { get; private set; }

    /// <summary>The kernel's bytes as they were when the slot was marked installed.</summary>
    public byte[]? InstalledKernelBytes { get; private set; }

    public Task<BootState> ReadAsync(CancellationToken cancellationToken) => Task.FromResult(State);

    public Task DisableAsync(UsrSlot slot, CancellationToken cancellationToken) =>
        Change("disable", slot, s => s with { Priority = 0, TriesLeft = 0, Good = false });

    public Task MarkInstalledAsync(UsrSlot slot, SlotKernel? kernel, CancellationToken cancellationToken)
    {
        if (NeedsKernel && kernel is null)
        {
            throw new DiskException($"the kernel of {slot.Label} is required");
        }

        InstalledKernel = kernel;
        InstalledKernelBytes = kernel is null ? null : File.ReadAllBytes(kernel.KernelPath);
        return Change("installed", slot, s => s with { Priority = Top(slot.Name), TriesLeft = 1, Good = false });
    }

    public Task MarkGoodAsync(UsrSlot slot, CancellationToken cancellationToken) =>
        Change("good", slot, s => s with { Priority = Top(slot.Name), TriesLeft = 0, Good = true });

    public Task PrioritizeAsync(UsrSlot slot, CancellationToken cancellationToken) =>
        Change("prioritize", slot, s => s with { Priority = Top(slot.Name), TriesLeft = s.Good ? s.TriesLeft : 1 });

    public async Task<KexecTarget?> CountTryAsync(UsrSlot slot, CancellationToken cancellationToken)
    {
        await Change("count", slot, s => s with { TriesLeft = Math.Max(0, s.TriesLeft - 1) });
        return KexecTarget;
    }

    private int Top(UsrSlotName slot) => Math.Max(State[slot.Other()].Priority + 1, State[slot].Priority);

    private Task Change(string operation, UsrSlot slot, Func<SlotBootState, SlotBootState> change)
    {
        lock (_lock)
        {
            Calls.Add($"{operation} {slot.Name}");
            if (FailOn == operation)
            {
                throw new DiskException($"{operation} {slot.Label}: input/output error");
            }

            var changed = change(State[slot.Name]);
            State = slot.Name == UsrSlotName.A ? State with { A = changed } : State with { B = changed };
            return Task.CompletedTask;
        }
    }
}
