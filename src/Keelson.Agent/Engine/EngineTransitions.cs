using K = Keelson.Agent.Engine.EngineStateKind;

namespace Keelson.Agent.Engine;

/// <summary>
/// Every move the update engine may make, in one table: the states each state may be left for. A move the table
/// does not hold is a bug, and <see cref="Check"/> says so instead of letting the engine drift.
/// </summary>
public static class EngineTransitions
{
    /// <summary>From each state (key), the states it may move to.</summary>
    public static IReadOnlyDictionary<EngineStateKind, IReadOnlySet<EngineStateKind>> Table { get; } = new Dictionary<EngineStateKind, IReadOnlySet<EngineStateKind>>
    {
        // A boot already marked good goes on at once; a trial boot waits for its verdict; an update installed
        // before a restart of the agent waits for its reboot again.
        [K.Starting] = Set(K.BootPendingVerdict, K.Idle, K.UpdateInstalled),
        // Healthy (or marked good by hand): on; unhealthy: fall back; or rolled back by hand.
        [K.BootPendingVerdict] = Set(K.Idle, K.UpdateInstalled, K.Rebooting),
        // Rescheduled (a reload), a check (timer or by hand), a rollback by hand.
        [K.Idle] = Set(K.Idle, K.Checking, K.Rebooting),
        // Nothing to do or a failed check, an offer, a rollback by hand (the check is abandoned).
        [K.Checking] = Set(K.Idle, K.Downloading, K.Rebooting),
        [K.Downloading] = Set(K.Downloading, K.Installing, K.ReportingError),
        [K.Installing] = Set(K.Installing, K.UpdateInstalled, K.ReportingError),
        [K.ReportingError] = Set(K.Idle),
        // Told to wait (window, lock), asked again after a reload, or allowed to reboot.
        [K.UpdateInstalled] = Set(K.UpdateInstalled, K.WaitingForReboot, K.Rebooting),
        [K.WaitingForReboot] = Set(K.WaitingForReboot, K.UpdateInstalled, K.Rebooting),
        [K.Rebooting] = Set(K.RebootFailed),
        [K.RebootFailed] = Set(K.Rebooting),
    };

    public static bool IsAllowed(EngineStateKind from, EngineStateKind to) => Table.TryGetValue(from, out var next) && next.Contains(to);

    /// <summary>Returns <paramref name="to"/> when the table allows the move from <paramref name="from"/>.</summary>
    /// <exception cref="InvalidOperationException">The table does not allow it.</exception>
    public static EngineState Check(EngineState from, EngineState to)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        return IsAllowed(from.Kind, to.Kind)
            ? to
            : throw new InvalidOperationException($"the update engine may not move from {from.Name} to {to.Name}");
    }

    private static HashSet<EngineStateKind> Set(params EngineStateKind[] kinds) => [.. kinds];
}
