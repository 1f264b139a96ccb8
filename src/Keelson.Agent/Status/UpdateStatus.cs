namespace Keelson.Agent.Status;

/// <summary>The agent's state, named as update_engine names its states (<c>UPDATE_STATUS_*</c>).</summary>
public enum UpdateStatus
{
    Idle,
    CheckingForUpdate,
    UpdateAvailable,
    Downloading,
    Verifying,
    Finalizing,
    UpdatedNeedReboot,
    ReportingErrorEvent,
}
