namespace Keelson.Disks;

/// <summary>
/// A GPT disk (image file or block device) with the A/B usr slots of the CoreOS/Flatcar layout: its partitions, the
/// gptprio boot selection, and the attribute changes of an update (installed, mark good, prioritize).
/// <para>
/// Opening reads and validates both GPT copies and keeps the trusted one in memory (<see cref="Health"/> says what
/// was wrong with the other). Every change writes both copies, backup first, each flushed, so a crash at any point
/// leaves a disk that reads with either the old or the new attributes; a corrupt or stale copy is rewritten from the
/// good one by that same write (or by <see cref="RepairAsync"/>). Reading never writes.
/// </para>
/// <para>Not thread-safe; one writer per disk at a time.</para>
/// </summary>
public sealed class GptDisk : IDisposable
{
    private readonly DiskDevice _device;
    private GptTable _table;
    private List<GptPartition> _partitions;

    private GptDisk(DiskDevice device, GptTable table)
    {
        _device = device;
        _table = table;
        _partitions = GptEntries.Partitions(table.Entries, table.EntrySize, device.SectorSize);
    }

    /// <summary>The image file or block device path.</summary>
    public string Path => _device.Name;

    /// <summary>Logical sector size in bytes (512 or 4096).</summary>
    public int SectorSize => _device.SectorSize;

    /// <summary>Disk size in bytes.</summary>
    public long Size => _device.Length;

    public bool IsBlockDevice => _device.IsBlockDevice;

    /// <summary>Opened for writing: the attribute changes are allowed.</summary>
    public bool CanWrite => _device.CanWrite;

    public Guid DiskGuid => _table.Header.DiskGuid;

    public long FirstUsableLba => _table.Header.FirstUsableLba;

    public long LastUsableLba => _table.Header.LastUsableLba;

    /// <summary>What was wrong with either GPT copy when the disk was read; healthy again after any write.</summary>
    public GptHealth Health => _table.Health;

    /// <summary>The used entries, by partition number.</summary>
    public IReadOnlyList<GptPartition> Partitions => _partitions;

    /// <summary>
    /// Opens and reads a disk. <paramref name="sectorSize"/> is for image files (block devices report their own);
    /// without it an image uses 512 unless its GPT is found at 4096-byte sectors.
    /// </summary>
    /// <exception cref="DiskException">The path cannot be opened, or holds no valid GPT (both copies corrupt).</exception>
    public static async Task<GptDisk> OpenAsync(string path, bool writable = false, int? sectorSize = null, CancellationToken cancellationToken = default)
    {
        var device = FileDiskDevice.Open(path, writable, sectorSize);
        try
        {
            return await OpenAsync(device, cancellationToken);
        }
        catch
        {
            device.Dispose();
            throw;
        }
    }

    internal static async Task<GptDisk> OpenAsync(DiskDevice device, CancellationToken cancellationToken) =>
        new(device, await GptIo.ReadAsync(device, cancellationToken));

    /// <summary>
    /// Creates a new image file of <paramref name="size"/> bytes holding a protective MBR and a GPT with
    /// <paramref name="partitions"/>. The layout is checked before the file is made; an existing file is refused.
    /// </summary>
    public static async Task<GptDisk> CreateImageAsync(
        string path, long size, int sectorSize, Guid diskGuid, IReadOnlyList<GptPartitionSpec> partitions, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(partitions);
        if (sectorSize is not (512 or 4096))
        {
            throw new DiskException($"{path}: the sector size must be 512 or 4096, not {sectorSize}");
        }

        GptIo.NewTable(path, sectorSize, size, diskGuid, partitions);
        if (Directory.Exists(path))
        {
            throw new DiskException($"{path} is a directory");
        }

        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException) when (File.Exists(path))
        {
            throw new DiskException($"{path} already exists; not overwriting it");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DiskException($"{path} could not be created: {e.Message}", e is not (UnauthorizedAccessException or DirectoryNotFoundException), e);
        }

        try
        {
            await using (file)
            {
                file.SetLength(size);
            }

            using (var device = FileDiskDevice.Open(path, writable: true, sectorSize))
            {
                await GptIo.CreateAsync(device, diskGuid, partitions, cancellationToken);
            }

            return await OpenAsync(path, writable: true, sectorSize, cancellationToken);
        }
        catch (Exception e) when (e is DiskException or OperationCanceledException)
        {
            // Nothing half-made is left behind: the file is this call's own.
            TryDelete(path);
            throw;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(path);
            throw new DiskException($"{path} could not be created: {e.Message}", e is not UnauthorizedAccessException, e);
        }
    }

    /// <summary>The partition with this number, or null when its entry is unused.</summary>
    public GptPartition? FindPartition(int number) => _partitions.Find(p => p.Number == number);

    /// <summary>The usr slot A or B: the partition of the CoreOS usr type labelled USR-A or USR-B, or null when there is none.</summary>
    /// <exception cref="DiskException">The label is on a partition of another type, or on more than one.</exception>
    public UsrSlot? FindSlot(UsrSlotName name)
    {
        var label = name.Label();
        var labelled = _partitions.FindAll(p => p.Label == label);
        if (labelled.Count == 0)
        {
            return null;
        }

        if (labelled.Count > 1)
        {
            throw new DiskException($"{Path}: partitions {string.Join(" and ", labelled.Select(p => p.Number))} are all labelled {label}");
        }

        var partition = labelled[0];
        return partition.TypeGuid == GptPartitionTypes.CoreOsUsr
            ? new UsrSlot(name, partition)
            : throw new DiskException($"{Path}: partition {partition.Number} is labelled {label} but its type is {GptPartitionTypes.Describe(partition.TypeGuid)}, not CoreOS usr ({GptPartitionTypes.CoreOsUsr})");
    }

    /// <summary>The usr slot A or B.</summary>
    /// <exception cref="DiskException">The disk has no such slot.</exception>
    public UsrSlot GetSlot(UsrSlotName name) =>
        FindSlot(name) ?? throw new DiskException($"{Path} has no {name.Label()} partition of the CoreOS usr type ({GptPartitionTypes.CoreOsUsr})");

    /// <summary>The usr slot whose partition GUID is <paramref name="partitionUuid"/> (e.g. the booted PARTUUID), or null.</summary>
    public UsrSlot? FindSlot(Guid partitionUuid)
    {
        foreach (var name in (UsrSlotName[])[UsrSlotName.A, UsrSlotName.B])
        {
            if (FindSlot(name) is { } slot && slot.PartitionUuid == partitionUuid)
            {
                return slot;
            }
        }

        return null;
    }

    /// <summary>Active and passive slot, given the slot the running system booted from.</summary>
    public SlotRoles GetSlotRoles(UsrSlotName booted) => new(GetSlot(booted), GetSlot(booted.Other()));

    /// <summary>Active and passive slot, given the PARTUUID the running system booted from (<c>mount.usr=PARTUUID=...</c>).</summary>
    /// <exception cref="DiskException">The PARTUUID is neither USR-A nor USR-B of this disk.</exception>
    public SlotRoles GetSlotRoles(Guid bootedPartitionUuid) =>
        FindSlot(bootedPartitionUuid) is { } slot
            ? GetSlotRoles(slot.Name)
            : throw new DiskException($"{Path}: partition uuid {bootedPartitionUuid} is neither USR-A nor USR-B");

    /// <summary>What the next boot would pick, without using up a try or writing anything.</summary>
    public BootSelection SelectBoot() => ToSelection(Gptprio.Select(_partitions, GptPartitionTypes.CoreOsUsr), decremented: false);

    /// <summary>
    /// One boot's gptprio selection, as GRUB makes it: the chosen slot loses a try when it has any, and the GPT is
    /// written back (repairing a bad copy on the way) before the slot is returned.
    /// </summary>
    public async Task<BootSelection> BootAsync(CancellationToken cancellationToken = default)
    {
        var winner = Gptprio.Select(_partitions, GptPartitionTypes.CoreOsUsr);
        if (winner is null)
        {
            return BootSelection.None;
        }

        var tries = winner.Attributes.Tries;
        if (tries == 0)
        {
            return ToSelection(winner, decremented: false);
        }

        await UpdateAsync(entries => SetAttributes(entries, winner.Number, winner.Attributes.WithTries(tries - 1)), cancellationToken);
        return ToSelection(FindPartition(winner.Number)!, decremented: true);
    }

    /// <summary>
    /// After an image was written into <paramref name="slot"/> (Flatcar's postinstall:
    /// <c>cgpt add -i N -S0 -T1; cgpt prioritize -i N</c>): not successful, one try, top priority. One GPT write.
    /// </summary>
    public Task<UsrSlot> MarkInstalledAsync(UsrSlotName slot, CancellationToken cancellationToken = default) =>
        SetSlotAttributesAsync(slot, tries: 1, successful: false, prioritize: true, cancellationToken: cancellationToken);

    /// <summary>
    /// The booted <paramref name="slot"/> came up healthy (<c>cgpt add -i N -S1 -T0; cgpt prioritize -i N</c>):
    /// successful, no tries, top priority. One GPT write.
    /// </summary>
    public Task<UsrSlot> MarkGoodAsync(UsrSlotName slot, CancellationToken cancellationToken = default) =>
        SetSlotAttributesAsync(slot, tries: 0, successful: true, prioritize: true, cancellationToken: cancellationToken);

    /// <summary><c>cgpt prioritize -i N</c>: <paramref name="slot"/> gets the top priority, the others keep their order below it.</summary>
    public Task<UsrSlot> PrioritizeAsync(UsrSlotName slot, CancellationToken cancellationToken = default) =>
        SetSlotAttributesAsync(slot, prioritize: true, cancellationToken: cancellationToken);

    /// <summary>
    /// <c>cgpt add -i N [-P p] [-T t] [-S s]</c> on a usr slot, then (with <paramref name="prioritize"/>)
    /// <c>cgpt prioritize -i N</c>, all in one GPT write. Fields left null keep their value; other bits are kept.
    /// A manual rollback is <c>SetSlotAttributesAsync(other, tries: other.Successful ? null : 1, prioritize: true)</c>.
    /// </summary>
    public async Task<UsrSlot> SetSlotAttributesAsync(
        UsrSlotName slot, int? priority = null, int? tries = null, bool? successful = null, bool prioritize = false,
        CancellationToken cancellationToken = default)
    {
        var target = GetSlot(slot);
        var attributes = target.Partition.Attributes;
        attributes = priority is { } p ? attributes.WithPriority(p) : attributes;
        attributes = tries is { } t ? attributes.WithTries(t) : attributes;
        attributes = successful is { } s ? attributes.WithSuccessful(s) : attributes;
        await UpdateAsync(entries =>
        {
            SetAttributes(entries, target.PartitionNumber, attributes);
            if (prioritize)
            {
                Prioritize(entries, target.PartitionNumber, GptPartitionTypes.CoreOsUsr);
            }
        }, cancellationToken);
        return GetSlot(slot);
    }

    /// <summary>Rewrites both GPT copies from the trusted one when either was corrupt, stale or misplaced. True when it wrote.</summary>
    public async Task<bool> RepairAsync(CancellationToken cancellationToken = default)
    {
        if (!Health.NeedsRepair)
        {
            return false;
        }

        await UpdateAsync(_ => { }, cancellationToken);
        return true;
    }

    /// <summary>A stream over the slot's bytes, for writing an image into the passive slot or reading one back.</summary>
    public PartitionStream OpenSlotStream(UsrSlotName slot, bool writable)
    {
        var target = GetSlot(slot);
        return PartitionStream.Open(Path, target.ByteOffset, target.ByteLength, writable);
    }

    public void Dispose() => _device.Dispose();

    /// <summary><c>cgpt prioritize -i N</c> over partitions of any type (upstream cgpt uses the ChromeOS kernel type).</summary>
    internal Task PrioritizeAsync(int partitionNumber, Guid slotType, CancellationToken cancellationToken) =>
        UpdateAsync(entries => Prioritize(entries, partitionNumber, slotType), cancellationToken);

    /// <summary><c>cgpt add -i N -A</c>: sets a partition's whole attribute field.</summary>
    internal Task SetAttributesAsync(int partitionNumber, GptAttributes attributes, CancellationToken cancellationToken) =>
        UpdateAsync(entries => SetAttributes(entries, partitionNumber, attributes), cancellationToken);

    private async Task UpdateAsync(Action<byte[]> change, CancellationToken cancellationToken)
    {
        if (!_device.CanWrite)
        {
            throw new InvalidOperationException($"{Path} was opened read-only");
        }

        var entries = (byte[])_table.Entries.Clone();
        change(entries);
        _table = await GptIo.WriteAsync(_device, _table, entries, cancellationToken);
        _partitions = GptEntries.Partitions(_table.Entries, _table.EntrySize, SectorSize);
    }

    private void SetAttributes(byte[] entries, int partitionNumber, GptAttributes attributes)
    {
        var entry = UsedEntry(entries, partitionNumber);
        GptEntries.SetAttributes(entry, attributes);
    }

    private void Prioritize(byte[] entries, int partitionNumber, Guid slotType)
    {
        if (GptEntries.TypeGuid(UsedEntry(entries, partitionNumber)) != slotType)
        {
            throw new DiskException($"{Path}: partition {partitionNumber} is not of type {GptPartitionTypes.Describe(slotType)}");
        }

        var slots = new List<(int Number, int Priority)>();
        for (var index = 0; index < _table.EntryCount; index++)
        {
            var entry = GptEntries.Entry(entries, _table.EntrySize, index);
            if (GptEntries.IsUsed(entry) && GptEntries.TypeGuid(entry) == slotType)
            {
                slots.Add((index + 1, GptEntries.Attributes(entry).Priority));
            }
        }

        foreach (var (number, priority) in Gptprio.Prioritize(slots, partitionNumber))
        {
            var entry = GptEntries.Entry(entries, _table.EntrySize, number - 1);
            GptEntries.SetAttributes(entry, GptEntries.Attributes(entry).WithPriority(priority));
        }
    }

    private Span<byte> UsedEntry(byte[] entries, int partitionNumber)
    {
        if (partitionNumber < 1 || partitionNumber > _table.EntryCount ||
            !GptEntries.IsUsed(GptEntries.Entry(entries, _table.EntrySize, partitionNumber - 1)))
        {
            throw new DiskException($"{Path} has no partition {partitionNumber}");
        }

        return GptEntries.Entry(entries, _table.EntrySize, partitionNumber - 1);
    }

    private BootSelection ToSelection(GptPartition? partition, bool decremented)
    {
        if (partition is null)
        {
            return BootSelection.None;
        }

        UsrSlot? slot = null;
        foreach (var name in (UsrSlotName[])[UsrSlotName.A, UsrSlotName.B])
        {
            if (partition.Label == name.Label())
            {
                slot = new UsrSlot(name, partition);
            }
        }

        return new BootSelection(slot, partition, decremented);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The original error says more than this one.
        }
    }
}
