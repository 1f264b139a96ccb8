namespace Keelson.Disks.Boot;

/// <summary>
/// Upstream GRUB with the grub.cfg of <see cref="GrubConfig"/>: the state is GRUB's environment block
/// <see cref="EspLayout.GrubEnvPath"/> on the ESP (read and written by the rule of <see cref="GrubEnvState"/>), each
/// slot's kernel and initrd sit under <c>/keelson/&lt;SLOT&gt;/</c> on the ESP. Each change rewrites the block whole
/// (temporary file, flush, rename); variables Keelson does not know are kept.
/// </summary>
/// <remarks>
/// The kernel command line is grub.cfg's (generated once per disk by <c>keelson boot grub-config</c> or
/// <c>keelson boot init</c>), the same for both slots: <see cref="SlotKernel.CommandLine"/> is not used here, and a
/// kexec reads the line back from grub.cfg (<see cref="GrubConfig.ReadBaseCommandLine"/>).
/// </remarks>
/// <param name="diskPath">The disk (block device or image) holding the slots.</param>
/// <param name="espDirectory">Where the ESP is mounted.</param>
public sealed class GrubEnvBackend(string diskPath, string espDirectory) : IBootBackend, IBootSimulator
{
    public BootBackendKind Kind => BootBackendKind.GrubEnv;

    public bool NeedsKernel => true;

    /// <summary>The local path of the environment block.</summary>
    public string EnvPath { get; } = EspLayout.Local(espDirectory, EspLayout.GrubEnvPath);

    public async Task<BootState> ReadAsync(CancellationToken cancellationToken) =>
        GrubEnvState.Read(await ReadBlockAsync(cancellationToken), HasKernel);

    public async Task DisableAsync(UsrSlot slot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(slot);
        await ChangeAsync(
            (block, _) =>
            {
                block.Set(GrubEnvState.GoodVariable(slot.Name), "0");
                block.Set(GrubEnvState.TryVariable(slot.Name), "0");
                block.Remove(GrubEnvState.VersionVariable(slot.Name));
            },
            cancellationToken);
        SlotKernels.Delete(espDirectory, slot.Name);
    }

    public async Task MarkInstalledAsync(UsrSlot slot, SlotKernel? kernel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(slot);
        var block = await LoadAsync(cancellationToken);
        await SlotKernels.CopyAsync(espDirectory, slot.Name, kernel, cancellationToken);
        block.Set(GrubEnvState.OrderVariable, GrubEnvState.OrderWithFirst(slot.Name));
        block.Set(GrubEnvState.GoodVariable(slot.Name), "0");
        block.Set(GrubEnvState.TryVariable(slot.Name), "1");
        block.Set(GrubEnvState.VersionVariable(slot.Name), kernel!.Version);
        await block.WriteAsync(EnvPath, cancellationToken);
    }

    public Task MarkGoodAsync(UsrSlot slot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(slot);
        return ChangeAsync(
            (block, _) =>
            {
                block.Set(GrubEnvState.OrderVariable, GrubEnvState.OrderWithFirst(slot.Name));
                block.Set(GrubEnvState.GoodVariable(slot.Name), "1");
                block.Set(GrubEnvState.TryVariable(slot.Name), "0");
            },
            cancellationToken);
    }

    public Task PrioritizeAsync(UsrSlot slot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(slot);
        if (!HasKernel(slot.Name))
        {
            throw new DiskException($"{slot.Label} cannot boot: its kernel {EspLayout.Local(espDirectory, EspLayout.KernelPath(slot.Name))} is missing");
        }

        return ChangeAsync(
            (block, state) =>
            {
                block.Set(GrubEnvState.OrderVariable, GrubEnvState.OrderWithFirst(slot.Name));
                if (!state[slot.Name].Good)
                {
                    block.Set(GrubEnvState.TryVariable(slot.Name), "1");
                }
            },
            cancellationToken);
    }

    /// <summary>What GRUB does when it boots <paramref name="slot"/>: a good slot boots as it is; a slot on trial has its try set to 0 first.</summary>
    /// <exception cref="DiskException">GRUB would not boot the slot (neither good nor on trial, or no kernel), or grub.cfg is missing.</exception>
    public async Task<KexecTarget?> CountTryAsync(UsrSlot slot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(slot);
        var target = await KexecTargetAsync(slot, cancellationToken);
        var block = await LoadAsync(cancellationToken);
        var state = GrubEnvState.Read(block, HasKernel)[slot.Name];
        if (!state.Bootable)
        {
            throw new DiskException($"GRUB would not boot {slot.Label}: in {EnvPath} it is neither good nor has a try left, or its kernel is missing");
        }

        if (!state.Good)
        {
            block.Set(GrubEnvState.TryVariable(slot.Name), "0");
            await block.WriteAsync(EnvPath, cancellationToken);
        }

        return target;
    }

    /// <summary>
    /// Writes the state of a freshly imaged disk: A good and first with <paramref name="slotA"/>'s kernel on the
    /// ESP, B empty, and the grub.cfg for the disk's slots with the kernel command line of <paramref name="slotA"/>.
    /// A block already there is replaced.
    /// </summary>
    public async Task InitializeAsync(SlotKernel slotA, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(slotA);
        var config = await GrubConfig.GenerateAsync(diskPath, slotA.CommandLine, cancellationToken);
        SlotKernels.Delete(espDirectory, UsrSlotName.B);
        await SlotKernels.CopyAsync(espDirectory, UsrSlotName.A, slotA, cancellationToken);
        var block = GrubEnvState.Fresh();
        block.Set(GrubEnvState.VersionVariable(UsrSlotName.A), slotA.Version);
        await block.WriteAsync(EnvPath, cancellationToken);
        await EspFiles.WriteAsync(EspLayout.Local(espDirectory, EspLayout.GrubConfigPath), System.Text.Encoding.UTF8.GetBytes(config), cancellationToken);
    }

    /// <summary>One boot as the generated grub.cfg makes it: the slot of <see cref="BootState.Next"/>, its try used up when it is on trial.</summary>
    public async Task<SimulatedBoot?> SimulateBootAsync(CancellationToken cancellationToken)
    {
        var block = await ReadBlockAsync(cancellationToken);
        if (GrubEnvState.Read(block, HasKernel).Next is not { } next)
        {
            return null;
        }

        var uuid = await SlotUuidAsync(next.Slot, cancellationToken);
        var counted = !next.Good && block is not null;
        if (counted)
        {
            block!.Set(GrubEnvState.TryVariable(next.Slot), "0");
            await block.WriteAsync(EnvPath, cancellationToken);
        }

        return new SimulatedBoot(next.Slot, uuid, counted);
    }

    private async Task<Guid> SlotUuidAsync(UsrSlotName slot, CancellationToken cancellationToken)
    {
        using var disk = await GptDisk.OpenAsync(diskPath, writable: false, cancellationToken: cancellationToken);
        return disk.GetSlot(slot).PartitionUuid;
    }

    private async Task<KexecTarget> KexecTargetAsync(UsrSlot slot, CancellationToken cancellationToken)
    {
        var configPath = EspLayout.Local(espDirectory, EspLayout.GrubConfigPath);
        string config;
        try
        {
            config = await File.ReadAllTextAsync(configPath, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DiskException($"cannot read {configPath} for the kernel command line: {e.Message}", e is IOException and not FileNotFoundException and not DirectoryNotFoundException, e);
        }

        // GRUB's linux command puts the kernel's path first as BOOT_IMAGE=, so a kexec boot sees the same /proc/cmdline.
        var kernelPath = EspLayout.KernelPath(slot.Name);
        var words = new[] { $"BOOT_IMAGE={kernelPath}", GrubConfig.ReadBaseCommandLine(config, configPath), GrubConfig.MountUsr(slot.PartitionUuid) };
        return SlotKernels.Target(espDirectory, slot.Name, string.Join(' ', words.Where(w => w.Length > 0)));
    }

    /// <summary>
    /// The block, or null when there is none yet on an ESP that has Keelson's grub.cfg (GRUB then boots A). With
    /// neither, the folder is not the ESP of a grub-env disk (not mounted, or never set up): refused rather than read
    /// as a fresh disk.
    /// </summary>
    private async Task<GrubEnvironmentBlock?> ReadBlockAsync(CancellationToken cancellationToken)
    {
        var block = await GrubEnvironmentBlock.ReadAsync(EnvPath, cancellationToken);
        var config = EspLayout.Local(espDirectory, EspLayout.GrubConfigPath);
        if (block is null && !File.Exists(config))
        {
            throw new DiskException($"neither {EnvPath} nor {config} exists: {espDirectory} is not the ESP of a grub-env disk (is the ESP mounted there? was 'keelson boot init' run?)");
        }

        return block;
    }

    private bool HasKernel(UsrSlotName slot) => File.Exists(EspLayout.Local(espDirectory, EspLayout.KernelPath(slot)));

    private async Task<GrubEnvironmentBlock> LoadAsync(CancellationToken cancellationToken)
    {
        if (await ReadBlockAsync(cancellationToken) is { } block)
        {
            return block;
        }

        // No block yet: start from what GRUB assumes without one, so a write changes only what it means to.
        return GrubEnvState.Fresh();
    }

    private async Task ChangeAsync(Action<GrubEnvironmentBlock, BootState> change, CancellationToken cancellationToken)
    {
        var block = await LoadAsync(cancellationToken);
        change(block, GrubEnvState.Read(block, HasKernel));
        await block.WriteAsync(EnvPath, cancellationToken);
    }
}
