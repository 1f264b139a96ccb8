namespace Keelson.Disks;

/// <summary>
/// The GPT as Keelson holds it in memory: the header of the copy it trusts, the entry array, where each copy's
/// entries go when written, and what was wrong with either copy on disk.
/// </summary>
/// <param name="Header">The trusted header (its location fields are rewritten for each copy on write).</param>
/// <param name="Entries">The entry array, exactly <c>EntryCount * EntrySize</c> bytes.</param>
/// <param name="PrimaryEntriesLba">Where the primary entry array is written.</param>
/// <param name="BackupEntriesLba">Where the backup entry array is written.</param>
/// <param name="Health">Problems found in either copy when read.</param>
internal sealed record GptTable(GptHeader Header, byte[] Entries, long PrimaryEntriesLba, long BackupEntriesLba, GptHealth Health)
{
    public int EntrySize => (int)Header.EntrySize;

    public int EntryCount => (int)Header.EntryCount;
}
