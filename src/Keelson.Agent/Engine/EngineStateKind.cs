namespace Keelson.Agent.Engine;

/// <summary>The kinds of <see cref="EngineState"/>, the rows and columns of <see cref="EngineTransitions"/>.</summary>
public enum EngineStateKind
{
    Starting,
    BootPendingVerdict,
    Idle,
    Checking,
    Downloading,
    Installing,
    ReportingError,
    UpdateInstalled,
    WaitingForReboot,
    Rebooting,
    RebootFailed,
}
