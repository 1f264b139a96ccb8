namespace Keelson.Server.Storage;

/// <summary>The database could not be used. <see cref="IsTransient"/> says whether asking again can help (unreachable, restarting).</summary>
public sealed class DatabaseException : Exception
{
    public DatabaseException(string message, bool isTransient, Exception? innerException = null)
        : base(message, innerException)
    {
        IsTransient = isTransient;
    }

    public bool IsTransient { get; }
}
