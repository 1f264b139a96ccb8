namespace Keelson.Dashboard.Tests;

/// <summary>An Omaha event as update_engine reports it: event type, result and, for a failure, its error code.</summary>
internal sealed record UpdateEngineEvent(int Type, int Result, long? ErrorCode = null)
{
    private const int UpdateComplete = 3;
    private const int UpdateDownloadStarted = 13;
    private const int UpdateDownloadFinished = 14;

    private const int Error = 0;
    private const int Success = 1;
    private const int SuccessReboot = 2;

    /// <summary>CoreOS' error code for a machine that fell back to its old slot.</summary>
    private const long Rollback = 44;

    public static UpdateEngineEvent DownloadStarted { get; } = new(UpdateDownloadStarted, Success);

    public static UpdateEngineEvent DownloadFinished { get; } = new(UpdateDownloadFinished, Success);

    /// <summary>The payload is written to the passive slot; the machine waits for its reboot.</summary>
    public static UpdateEngineEvent Installed { get; } = new(UpdateComplete, Success);

    /// <summary>Sent with the first check from the new version.</summary>
    public static UpdateEngineEvent Rebooted { get; } = new(UpdateComplete, SuccessReboot);

    /// <summary>The new boot was not good: the machine runs its old version again.</summary>
    public static UpdateEngineEvent RolledBack { get; } = new(UpdateComplete, Error, Rollback);
}
