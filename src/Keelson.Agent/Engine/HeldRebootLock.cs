namespace Keelson.Agent.Engine;

/// <summary>The reboot lock a machine took, or found it held already.</summary>
/// <param name="Description">Which lock, e.g. <c>etcd semaphore group 'lab' at http://10.0.0.1:2379</c>.</param>
/// <param name="Slots">The slots as the lock service says they are now (<c>2 of 2 slots held: m1, m2</c>); empty when it does not say.</param>
/// <param name="AlreadyHeld">The machine held the slot already (from before a restart); nothing changed.</param>
public sealed record HeldRebootLock(string Description, string Slots, bool AlreadyHeld);
