namespace Keelson.Disks.Boot;

/// <summary>One of Keelson's entries as systemd-boot sees it.</summary>
/// <param name="Slot">The slot it boots.</param>
/// <param name="FileName">Its file name with the boot counter.</param>
/// <param name="Entry">Its fields.</param>
/// <param name="Path">The local path of the file.</param>
public sealed record SystemdBootSlotEntry(UsrSlotName Slot, SystemdBootEntryName FileName, SystemdBootEntry Entry, string Path);
