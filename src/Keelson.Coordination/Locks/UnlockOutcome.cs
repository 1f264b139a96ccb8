namespace Keelson.Coordination.Locks;

/// <summary>What releasing a reboot lock did.</summary>
public enum UnlockOutcome
{
    /// <summary>The holder held a slot, and now does not.</summary>
    Released,

    /// <summary>The holder held no slot; nothing changed.</summary>
    NotHeld,

    /// <summary>
    /// The holder holds no slot now, but the lock service does not say whether it held one: FleetLock answers
    /// <c>steady-state</c> with 200 either way.
    /// </summary>
    Unconfirmed,
}
