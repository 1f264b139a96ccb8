namespace Keelson.Omaha;

/// <summary>
/// The <c>eventresult</c> of an Omaha <c>&lt;event&gt;</c>. Values not named here are kept as they were
/// sent (cast the integer), so they survive a read and a write unchanged.
/// </summary>
public enum OmahaEventResult
{
    Error = 0,
    Success = 1,
    SuccessReboot = 2,
    UpdateDeferred = 9,
}
