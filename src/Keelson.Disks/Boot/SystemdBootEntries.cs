namespace Keelson.Disks.Boot;

/// <summary>
/// systemd-boot's view of Keelson's entries on an ESP: which files it reads, how it orders them, and which one it
/// boots. Only the entries named <c>keelson-&lt;version&gt;-&lt;SLOT&gt;</c> are Keelson's; others (another system's)
/// are left alone and not counted here.
/// </summary>
/// <remarks>
/// The order is systemd-boot's (<c>boot_entry_compare</c> in systemd's <c>src/boot/efi/boot.c</c>, systemd 252 as
/// in Debian 12; Keelson writes no <c>sort-key</c>, so only its old-style rules apply): entries with no tries left
/// last; then by the file name in lower case, compared by <see cref="SystemdVersionComparer"/> newest first; then
/// more tries left first, then fewer tries done first. With no <c>default</c> in loader.conf and no EFI variable
/// naming one, systemd-boot boots the first entry in that order, even one with no tries left when nothing else is
/// there. An entry whose <c>linux</c> file is missing is skipped, as systemd-boot skips it.
/// </remarks>
public sealed class SystemdBootEntries
{
    public const string NamePrefix = "keelson-";

    private SystemdBootEntries(string directory, List<SystemdBootSlotEntry> entries)
    {
        Directory = directory;
        Entries = entries;
    }

    /// <summary>The local folder of the entries.</summary>
    public string Directory { get; }

    /// <summary>Keelson's bootable entries in systemd-boot's order: the first one boots.</summary>
    public IReadOnlyList<SystemdBootSlotEntry> Entries { get; }

    /// <summary>The entry systemd-boot would use for <paramref name="slot"/> (the first of its entries), or null.</summary>
    public SystemdBootSlotEntry? Find(UsrSlotName slot) => Entries.FirstOrDefault(e => e.Slot == slot);

    /// <summary>The entry name Keelson gives a slot holding <paramref name="version"/>: <c>keelson-&lt;version&gt;-&lt;SLOT&gt;</c>.</summary>
    /// <exception cref="ArgumentException">The version has characters that do not belong in a file name on FAT or in a version.</exception>
    public static string EntryName(string version, UsrSlotName slot)
    {
        ArgumentException.ThrowIfNullOrEmpty(version);
        if (version.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '~' or '^' or '+')))
        {
            throw new ArgumentException($"the version '{version}' cannot name a boot entry: only letters, digits and . - _ ~ ^ + may", nameof(version));
        }

        return $"{NamePrefix}{version}-{slot}";
    }

    /// <summary>The slot a Keelson entry name is for, or null when the name is not Keelson's.</summary>
    public static UsrSlotName? SlotOf(string name) =>
        name.StartsWith(NamePrefix, StringComparison.Ordinal) && name.Length > NamePrefix.Length + 2 && name[^2] == '-'
            ? name[^1] switch { 'A' => UsrSlotName.A, 'B' => UsrSlotName.B, _ => null }
            : null;

    /// <summary>systemd-boot's order: negative when <paramref name="x"/> sorts (and so boots) before <paramref name="y"/>.</summary>
    public static int Compare(SystemdBootEntryName x, SystemdBootEntryName y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        var r = (x.TriesLeft == 0).CompareTo(y.TriesLeft == 0);
        if (r != 0)
        {
            return r;
        }

        r = -SystemdVersionComparer.Instance.Compare(x.Id, y.Id);
        if (r != 0 || !x.Counted || !y.Counted)
        {
            return r;
        }

        r = -x.TriesLeft!.Value.CompareTo(y.TriesLeft!.Value);
        return r != 0 ? r : x.TriesDone!.Value.CompareTo(y.TriesDone!.Value);
    }

    /// <summary>Reads Keelson's entries under <paramref name="espDirectory"/>; no entries folder means no entries.</summary>
    /// <exception cref="DiskException">An entry cannot be read.</exception>
    public static async Task<SystemdBootEntries> ReadAsync(string espDirectory, CancellationToken cancellationToken)
    {
        var directory = EspLayout.Local(espDirectory, EspLayout.EntriesPath);
        var entries = new List<SystemdBootSlotEntry>();
        if (!System.IO.Directory.Exists(directory))
        {
            return new SystemdBootEntries(directory, entries);
        }

        try
        {
            foreach (var path in System.IO.Directory.EnumerateFiles(directory))
            {
                if (SystemdBootEntryName.Parse(Path.GetFileName(path)) is not { } name || SlotOf(name.Name) is not { } slot)
                {
                    continue;
                }

                var entry = SystemdBootEntry.Parse(await File.ReadAllTextAsync(path, cancellationToken));
                if (entry.Linux is { } linux && File.Exists(EspLayout.Local(espDirectory, linux)))
                {
                    entries.Add(new SystemdBootSlotEntry(slot, name, entry, path));
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DiskException($"cannot read the boot entries in {directory}: {e.Message}", e is IOException, e);
        }

        entries.Sort((x, y) => Compare(x.FileName, y.FileName));
        return new SystemdBootEntries(directory, entries);
    }

    /// <summary>All of the slot's entry files, bootable or not (for removal).</summary>
    public static IEnumerable<string> FilesOf(string espDirectory, UsrSlotName slot)
    {
        var directory = EspLayout.Local(espDirectory, EspLayout.EntriesPath);
        return System.IO.Directory.Exists(directory)
            ? [.. System.IO.Directory.EnumerateFiles(directory).Where(p => SystemdBootEntryName.Parse(Path.GetFileName(p)) is { } n && SlotOf(n.Name) == slot)]
            : [];
    }
}
