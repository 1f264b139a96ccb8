namespace Keelson.Coordination.Locks;

/// <summary>How a change of locksmith's semaphore went; the refusals are locksmith's own errors.</summary>
public enum SemaphoreOutcome
{
    /// <summary>The change was made.</summary>
    Done,

    /// <summary>No slot is free: the count is at zero (or below, after the maximum was lowered). locksmith: <c>semaphore is at 0</c>.</summary>
    AtZero,

    /// <summary>The holder holds a slot already. locksmith: <c>holder exists</c>.</summary>
    AlreadyHeld,

    /// <summary>The holder holds no slot to release. locksmith: <c>holder does not exist</c>.</summary>
    NotHeld,
}
