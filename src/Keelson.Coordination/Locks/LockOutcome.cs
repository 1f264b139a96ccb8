namespace Keelson.Coordination.Locks;

/// <summary>The answer to a lock request.</summary>
/// <param name="Acquired">True when the holder now holds a slot (also when it held one already).</param>
/// <param name="Detail">Why not, in words an operator can act on (e.g. <c>all 2 slots are held: m1, m2</c>); empty when acquired.</param>
/// <param name="AlreadyHeld">Acquired by a holder that held the slot already: nothing changed.</param>
public sealed record LockOutcome(bool Acquired, string Detail, bool AlreadyHeld = false)
{
    public static LockOutcome Granted { get; } = new(true, "");

    /// <summary>Granted again to a holder that holds the slot (locks are recursive).</summary>
    public static LockOutcome StillHeld { get; } = new(true, "", AlreadyHeld: true);

    public static LockOutcome Refused(string detail) => new(false, detail);
}
