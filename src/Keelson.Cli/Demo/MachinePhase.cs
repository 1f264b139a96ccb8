namespace Keelson.Cli.Demo;

/// <summary>Where a machine of the demo is, as far as the story counts it.</summary>
internal enum MachinePhase
{
    /// <summary>Running, nothing to do (checking for updates now and then).</summary>
    Idle,

    /// <summary>Offered, downloading or installing an update.</summary>
    Updating,

    /// <summary>An update is installed and waits for a slot of the reboot lock.</summary>
    WaitingForSlot,

    /// <summary>Rebooting (down).</summary>
    Rebooting,

    /// <summary>Back on the old release after a failed boot, holding its reboot slot for an operator.</summary>
    RolledBack,

    /// <summary>The last update failed.</summary>
    Failed,
}
