using Keelson.Disks;

namespace Keelson.Agent.State;

/// <summary>
/// What the agent remembers across restarts and reboots, kept in <c>state.json</c> in its state directory.
/// </summary>
/// <param name="PreviousVersion">
/// update_engine's <c>previous-version</c>: the version the machine ran when it installed an update; null when
/// never set (reported as <c>0.0.0.0</c>), "" once reported. Booting that same version again means a rollback.
/// </param>
/// <param name="AlephVersion">The version the machine ran when the agent first started on it.</param>
/// <param name="Download">What the partial payload file holds, so that a restart resumes only the same payload.</param>
/// <param name="Installed">An update written to the passive slot and waiting for a reboot.</param>
/// <param name="RolledBack">Versions that failed to come up healthy on this machine, newest last; never installed again.</param>
/// <param name="RebootLock">The reboot lock this machine holds, described, or null.</param>
/// <param name="RebootLockKeptFor">
/// The release whose rollback made the machine keep its reboot lock (so that no other machine reboots into it);
/// null when the lock is to be released after a good boot. An operator frees a kept lock by hand.
/// </param>
public sealed record AgentState(
    string? PreviousVersion,
    string? AlephVersion,
    DownloadRecord? Download,
    InstalledUpdate? Installed,
    IReadOnlyList<string> RolledBack,
    string? RebootLock,
    string? RebootLockKeptFor)
{
    public static AgentState Empty { get; } = new(null, null, null, null, [], null, null);

    /// <summary>How many rolled-back versions are remembered.</summary>
    public const int RolledBackLimit = 16;

    public AgentState WithRolledBack(string version) =>
        RolledBack.Contains(version, StringComparer.Ordinal)
            ? this
            : this with { RolledBack = [.. RolledBack.Append(version).TakeLast(RolledBackLimit)] };
}

/// <summary>The payload a partial download belongs to.</summary>
public sealed record DownloadRecord(string Version, string Sha256Base64, long Size);

/// <summary>An update installed into <paramref name="Slot"/> while the machine ran <paramref name="FromVersion"/>, in the boot <paramref name="BootId"/>.</summary>
public sealed record InstalledUpdate(string Version, UsrSlotName Slot, string FromVersion, long Size, Guid BootId);
