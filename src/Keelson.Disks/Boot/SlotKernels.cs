namespace Keelson.Disks.Boot;

/// <summary>Each slot's kernel and initrd on the ESP (<c>/keelson/&lt;SLOT&gt;/vmlinuz</c> and <c>initrd</c>), for the backends whose bootloader loads them from there.</summary>
internal static class SlotKernels
{
    /// <summary>Copies the new slot's kernel (and initrd, or removes a stale one) to the ESP, each file replaced whole.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="kernel"/> is null: the bootloader needs it.</exception>
    public static async Task CopyAsync(string espDirectory, UsrSlotName slot, SlotKernel? kernel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kernel, $"{nameof(kernel)} (the bootloader loads {slot.Label()}'s kernel from the ESP)");
        await EspFiles.CopyAsync(kernel.KernelPath, EspLayout.Local(espDirectory, EspLayout.KernelPath(slot)), cancellationToken);
        var initrd = EspLayout.Local(espDirectory, EspLayout.InitrdPath(slot));
        if (kernel.InitrdPath is { } source)
        {
            await EspFiles.CopyAsync(source, initrd, cancellationToken);
        }
        else
        {
            EspFiles.Delete(initrd);
        }
    }

    /// <summary>Removes the slot's kernel and initrd from the ESP (missing files are fine).</summary>
    public static void Delete(string espDirectory, UsrSlotName slot)
    {
        EspFiles.Delete(EspLayout.Local(espDirectory, EspLayout.KernelPath(slot)));
        EspFiles.Delete(EspLayout.Local(espDirectory, EspLayout.InitrdPath(slot)));
    }

    /// <summary>What a kexec loads for the slot: its kernel, its initrd when there is one, and <paramref name="commandLine"/>.</summary>
    public static KexecTarget Target(string espDirectory, UsrSlotName slot, string commandLine) =>
        Target(espDirectory, EspLayout.KernelPath(slot), File.Exists(EspLayout.Local(espDirectory, EspLayout.InitrdPath(slot))) ? EspLayout.InitrdPath(slot) : null, commandLine);

    /// <summary>A kexec target from ESP paths as a bootloader entry names them.</summary>
    /// <exception cref="DiskException">The kernel is not on the ESP.</exception>
    public static KexecTarget Target(string espDirectory, string kernelEspPath, string? initrdEspPath, string commandLine)
    {
        var kernel = EspLayout.Local(espDirectory, kernelEspPath);
        if (!File.Exists(kernel))
        {
            throw new DiskException($"the kernel {kernel} is missing");
        }

        return new KexecTarget(kernel, initrdEspPath is null ? null : EspLayout.Local(espDirectory, initrdEspPath), commandLine);
    }
}
