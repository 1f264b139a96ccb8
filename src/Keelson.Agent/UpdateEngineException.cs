namespace Keelson.Agent;

/// <summary>
/// A step of an update failed: an Omaha exchange, a download, an install. <see cref="ErrorCode"/> is the
/// update_engine error code it is reported to the server with (2000 + HTTP status for transfer errors, 10 for
/// a payload hash mismatch, 31 or 34 for a bad response...); <see cref="IsTransient"/> says whether trying
/// again later can help.
/// </summary>
public sealed class UpdateEngineException(string message, long errorCode, bool isTransient, Exception? inner = null)
    : Exception(message, inner)
{
    public long ErrorCode => errorCode;

    public bool IsTransient => isTransient;
}
