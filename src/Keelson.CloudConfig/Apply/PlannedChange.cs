namespace Keelson.CloudConfig.Apply;

/// <summary>One change to the target root, named by its path on the target machine (normalised).</summary>
internal abstract record PlannedChange(string Path);

/// <summary>The file at <see cref="PlannedChange.Path"/> holds exactly <paramref name="Content"/> with this mode and owner.</summary>
internal sealed record FileChange(string Path, byte[] Content, UnixFileMode Mode, Owner? Owner) : PlannedChange(Path);

/// <summary>A symbolic link to <paramref name="Target"/> (a path of the target machine, or /dev/null for a mask).</summary>
internal sealed record LinkChange(string Path, string Target) : PlannedChange(Path);

/// <summary>The directory exists; when it has to be created, it gets this mode and owner (an existing one is left alone).</summary>
internal sealed record DirectoryChange(string Path, UnixFileMode Mode, Owner? Owner) : PlannedChange(Path);

/// <summary>The entry is removed (unmasking a runtime unit).</summary>
internal sealed record RemoveChange(string Path) : PlannedChange(Path);
