namespace Keelson.Agent.Omaha;

/// <summary>
/// An Omaha exchange failed. <see cref="ErrorCode"/> is the update_engine error code the failure is reported
/// with (2000 + HTTP status for transfer errors, 31 or 34 for a bad response); <see cref="IsTransient"/>
/// says whether asking again later can help.
/// </summary>
public sealed class OmahaClientException(string message, long errorCode, bool isTransient, Exception? inner = null)
    : Exception(message, inner)
{
    public long ErrorCode => errorCode;

    public bool IsTransient => isTransient;
}
