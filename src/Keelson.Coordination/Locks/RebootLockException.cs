namespace Keelson.Coordination.Locks;

/// <summary>The lock service could not be reached, refused the credentials, or answered something unusable; the message says which.</summary>
/// <param name="isTransient">
/// True when asking again later may succeed with the same settings: the service was not reached (refused
/// connection, no answer in time). False for refused credentials, a failed TLS handshake, a bad answer.
/// </param>
public sealed class RebootLockException(string message, Exception? innerException = null, bool isTransient = false) : Exception(message, innerException)
{
    /// <summary>Whether asking again later, unchanged, may succeed.</summary>
    public bool IsTransient { get; } = isTransient;
}
