namespace Keelson.Coordination.Locks;

/// <summary>The result of a lock or unlock of locksmith's semaphore.</summary>
/// <param name="Outcome">Done, or why not.</param>
/// <param name="State">The semaphore after the change when done; as it was (and stays) when refused.</param>
public sealed record SemaphoreChange(SemaphoreOutcome Outcome, SemaphoreState State)
{
    public bool IsDone => Outcome == SemaphoreOutcome.Done;
}
