namespace Keelson.Disks.Boot;

/// <summary>
/// systemd-boot with Boot Loader Specification entries and boot counting: each slot has one entry
/// <c>/loader/entries/keelson-&lt;version&gt;-&lt;SLOT&gt;.conf</c> (good) or <c>...+LEFT[-DONE].conf</c> (on trial)
/// whose kernel and initrd sit under <c>/keelson/&lt;SLOT&gt;/</c> on the ESP; loader.conf has no <c>default</c>, so
/// systemd-boot boots the first entry in its own order (<see cref="SystemdBootEntries"/>).
/// </summary>
/// <remarks>
/// systemd-boot has no priority but that order (newest version first, entries with no tries left last). To make a
/// slot boot first when the other slot's entry would sort before it (an older version installed, or a manual
/// rollback to the older slot), Keelson sets the other entry's tries left to 0 (<c>+0-DONE</c>): it then sorts last,
/// and systemd-boot still boots it as its last resort when nothing else can boot.
/// </remarks>
/// <param name="diskPath">The disk (block device or image) holding the slots.</param>
/// <param name="espDirectory">Where the ESP is mounted.</param>
public sealed class SystemdBootBackend(string diskPath, string espDirectory) : IBootBackend, IBootSimulator
{
    /// <summary>loader.conf: no menu, and no <c>default</c> (a default naming the new entry would defeat the fallback).</summary>
    public const string LoaderConf = "timeout 0\neditor no\n";

    public BootBackendKind Kind => BootBackendKind.SystemdBoot;

    public bool NeedsKernel => true;

    /// <summary>
    /// Priority from systemd-boot's order (2 for the slot whose entry sorts first, 1 for the other, 0 without an
    /// entry); tries left from the counter; good when the name has no counter. When both entries have no tries left,
    /// neither reads as bootable, although systemd-boot would still boot the first as its last resort.
    /// </summary>
    public async Task<BootState> ReadAsync(CancellationToken cancellationToken) =>
        StateOf(await ReadEntriesAsync(cancellationToken));

    public Task DisableAsync(UsrSlot slot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(slot);
        DeleteEntries(slot.Name);
        SlotKernels.Delete(espDirectory, slot.Name);
        return Task.CompletedTask;
    }

    public async Task MarkInstalledAsync(UsrSlot slot, SlotKernel? kernel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(slot);
        await ReadEntriesAsync(cancellationToken);
        await WriteEntryAsync(slot, kernel, tries: 1, cancellationToken);
        await MakeFirstAsync(slot.Name, cancellationToken);
    }

    public async Task MarkGoodAsync(UsrSlot slot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(slot);
        var entry = await RequireAsync(slot, cancellationToken);
        Rename(entry, SystemdBootEntryName.Format(entry.FileName.Name, left: null));
        await MakeFirstAsync(slot.Name, cancellationToken);
    }

    public async Task PrioritizeAsync(UsrSlot slot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(slot);
        var entry = await RequireAsync(slot, cancellationToken);
        if (entry.FileName.Counted)
        {
            Rename(entry, SystemdBootEntryName.Format(entry.FileName.Name, left: 1));
        }

        await MakeFirstAsync(slot.Name, cancellationToken);
    }

    /// <summary>What systemd-boot does before it boots the slot's entry: a counted entry is renamed to one try fewer left and one more done.</summary>
    /// <exception cref="DiskException">The slot has no entry (or its kernel is missing).</exception>
    public async Task<KexecTarget?> CountTryAsync(UsrSlot slot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(slot);
        var entry = await RequireAsync(slot, cancellationToken);
        CountTry(entry);
        return SlotKernels.Target(espDirectory, entry.Entry.Linux!, entry.Entry.Initrds.FirstOrDefault(), entry.Entry.Options ?? "");
    }

    /// <summary>
    /// Writes the state of a freshly imaged disk: loader.conf, and slot A's entry, good, with
    /// <paramref name="kernel"/>'s files on the ESP; any other entry of Keelson's and B's kernel are removed.
    /// </summary>
    public async Task InitializeAsync(SlotKernel kernel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        UsrSlot slotA;
        using (var disk = await GptDisk.OpenAsync(diskPath, writable: false, cancellationToken: cancellationToken))
        {
            slotA = disk.GetSlot(UsrSlotName.A);
        }

        await EspFiles.WriteAsync(EspLayout.Local(espDirectory, EspLayout.LoaderConfPath), System.Text.Encoding.UTF8.GetBytes(LoaderConf), cancellationToken);
        DeleteEntries(slotA.Name.Other());
        SlotKernels.Delete(espDirectory, slotA.Name.Other());
        await WriteEntryAsync(slotA, kernel, tries: null, cancellationToken);
    }

    /// <summary>
    /// One boot as systemd-boot makes it: the first entry in its order (even one with no tries left, when it is all
    /// there is), its counter bumped.
    /// </summary>
    public async Task<SimulatedBoot?> SimulateBootAsync(CancellationToken cancellationToken)
    {
        var entries = await ReadEntriesAsync(cancellationToken);
        if (entries.Entries.Count == 0)
        {
            return null;
        }

        var first = entries.Entries[0];
        using (var disk = await GptDisk.OpenAsync(diskPath, writable: false, cancellationToken: cancellationToken))
        {
            CountTry(first);
            return new SimulatedBoot(first.Slot, disk.GetSlot(first.Slot).PartitionUuid, first.FileName.Counted);
        }
    }

    private static BootState StateOf(SystemdBootEntries entries)
    {
        // Each slot's first entry, in systemd-boot's order: the earlier one boots first.
        var chosen = entries.Entries.DistinctBy(e => e.Slot).ToList();
        return new BootState(Slot(UsrSlotName.A), Slot(UsrSlotName.B));

        SlotBootState Slot(UsrSlotName slot)
        {
            var index = chosen.FindIndex(e => e.Slot == slot);
            if (index < 0)
            {
                return new SlotBootState(slot, 0, 0, false);
            }

            var entry = chosen[index];
            var version = entry.Entry.Version ?? entry.FileName.Name[SystemdBootEntries.NamePrefix.Length..^2];
            return new SlotBootState(slot, chosen.Count - index, entry.FileName.TriesLeft ?? 0, !entry.FileName.Counted, version);
        }
    }

    /// <summary>Keelson's entries; a folder with neither loader.conf nor loader/entries is not the ESP of a systemd-boot disk and is refused.</summary>
    private Task<SystemdBootEntries> ReadEntriesAsync(CancellationToken cancellationToken)
    {
        var loaderConf = EspLayout.Local(espDirectory, EspLayout.LoaderConfPath);
        if (!File.Exists(loaderConf) && !Directory.Exists(EspLayout.Local(espDirectory, EspLayout.EntriesPath)))
        {
            throw new DiskException($"neither {loaderConf} nor the entries folder beside it exists: {espDirectory} is not the ESP of a systemd-boot disk (is the ESP mounted there? was 'keelson boot init' run?)");
        }

        return SystemdBootEntries.ReadAsync(espDirectory, cancellationToken);
    }

    private async Task WriteEntryAsync(UsrSlot slot, SlotKernel? kernel, int? tries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kernel, $"{nameof(kernel)} (systemd-boot loads {slot.Label}'s kernel from the ESP)");
        var name = SystemdBootEntries.EntryName(kernel.Version, slot.Name);
        var options = string.Join(' ', new[] { kernel.CommandLine.Trim(), GrubConfig.MountUsr(slot.PartitionUuid) }.Where(w => w.Length > 0));
        var entry = new SystemdBootEntry(
            $"Keelson {kernel.Version} ({slot.Label})", kernel.Version, EspLayout.KernelPath(slot.Name),
            kernel.InitrdPath is null ? [] : [EspLayout.InitrdPath(slot.Name)], options);

        // The old entry goes first, so that no entry ever names a kernel being replaced.
        DeleteEntries(slot.Name);
        await SlotKernels.CopyAsync(espDirectory, slot.Name, kernel, cancellationToken);
        var path = Path.Combine(EspLayout.Local(espDirectory, EspLayout.EntriesPath), SystemdBootEntryName.Format(name, tries));
        await EspFiles.WriteAsync(path, System.Text.Encoding.UTF8.GetBytes(entry.Format()), cancellationToken);
    }

    // If the other slot's entry sorts before this one's, its tries left go to 0 so that it sorts last.
    private async Task MakeFirstAsync(UsrSlotName slot, CancellationToken cancellationToken)
    {
        var entries = await ReadEntriesAsync(cancellationToken);
        if (entries.Entries.Count > 0 && entries.Entries[0].Slot != slot && entries.Find(slot) is not null)
        {
            var other = entries.Entries[0];
            Rename(other, SystemdBootEntryName.Format(other.FileName.Name, 0, other.FileName.TriesDone ?? 0));
        }
    }

    private async Task<SystemdBootSlotEntry> RequireAsync(UsrSlot slot, CancellationToken cancellationToken)
    {
        var entries = await ReadEntriesAsync(cancellationToken);
        return entries.Find(slot.Name)
            ?? throw new DiskException($"{slot.Label} has no boot entry with its kernel in {entries.Directory} (expected {SystemdBootEntries.NamePrefix}<version>-{slot.Name}[+LEFT[-DONE]].conf)");
    }

    private static void CountTry(SystemdBootSlotEntry entry)
    {
        if (entry.FileName.NextFileName is { } next)
        {
            Rename(entry, next);
        }
    }

    private static void Rename(SystemdBootSlotEntry entry, string fileName)
    {
        if (fileName != entry.FileName.FileName)
        {
            EspFiles.Rename(entry.Path, Path.Combine(Path.GetDirectoryName(entry.Path)!, fileName));
        }
    }

    private void DeleteEntries(UsrSlotName slot)
    {
        foreach (var path in SystemdBootEntries.FilesOf(espDirectory, slot))
        {
            EspFiles.Delete(path);
        }
    }
}
