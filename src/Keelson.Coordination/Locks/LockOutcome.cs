namespace Keelson.Coordination.Locks;

/// <summary>The answer to a lock request.</summary>
/// <param name="Acquired">True when the holder now holds a slot (also when it held one already).</param>
/// <param name="Detail">
/// Refused: why not, in words an operator can act on (e.g. <c>all 2 slots are held: m1, m2</c>). Acquired: the
/// slots as they are now when the lock service says (e.g. <c>2 of 2 slots held: m1, m2</c>), else empty.
/// </param>
/// <param name="AlreadyHeld">Acquired because the holder held a slot already (the lock is recursive): nothing changed.</param>
/// <param name="LimitReached">Refused because the store keeps no more groups (a cap against floods); <paramref name="Detail"/> names it.</param>
public sealed record LockOutcome(bool Acquired, string Detail, bool AlreadyHeld = false, bool LimitReached = false)
{
    /// <summary>Acquired, with nothing more said (FleetLock's 200).</summary>
    public static LockOutcome Granted { get; } = new(true, "");

    /// <summary>Granted again to a holder that holds the slot (locks are recursive).</summary>
    public static LockOutcome StillHeld { get; } = new(true, "", AlreadyHeld: true);

    public static LockOutcome Refused(string detail) => new(false, detail);

    /// <summary>Refused by a cap of the store (a new group beyond the most it keeps), not by a full semaphore.</summary>
    public static LockOutcome OverLimit(string detail) => new(false, detail, LimitReached: true);

    /// <summary>Acquired, with the slots as they are now.</summary>
    public static LockOutcome Took(string detail, bool alreadyHeld) => new(true, detail, alreadyHeld);
}
