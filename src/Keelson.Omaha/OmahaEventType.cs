namespace Keelson.Omaha;

/// <summary>
/// The <c>eventtype</c> of an Omaha <c>&lt;event&gt;</c>. Values not named here are kept as they were
/// sent (cast the integer), so they survive a read and a write unchanged.
/// </summary>
public enum OmahaEventType
{
    Unknown = 0,
    DownloadComplete = 1,
    InstallComplete = 2,
    UpdateComplete = 3,
    Uninstall = 4,
    DownloadStarted = 5,
    InstallStarted = 6,
    UpdateDownloadStarted = 13,
    UpdateDownloadFinished = 14,
}
