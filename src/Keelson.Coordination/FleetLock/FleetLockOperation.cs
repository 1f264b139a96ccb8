namespace Keelson.Coordination.FleetLock;

/// <summary>The two operations of the FleetLock protocol.</summary>
public enum FleetLockOperation
{
    /// <summary><c>POST /v1/pre-reboot</c>: take a reboot slot; a holder asking again is granted (recursive lock).</summary>
    PreReboot,

    /// <summary><c>POST /v1/steady-state</c>: release the slot if held; not holding one is no error.</summary>
    SteadyState,
}
