namespace Keelson.Coordination.Locks;

/// <summary>The lock service could not be reached, refused the credentials, or answered something unusable; the message says which.</summary>
public sealed class RebootLockException(string message, Exception? innerException = null) : Exception(message, innerException);
