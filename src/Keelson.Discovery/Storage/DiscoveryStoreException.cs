namespace Keelson.Discovery.Storage;

/// <summary>The store failed. <see cref="IsTransient"/> says whether asking again can help (etcd unreachable, contention).</summary>
public sealed class DiscoveryStoreException : Exception
{
    public DiscoveryStoreException(string message, bool isTransient, Exception? innerException = null)
        : base(message, innerException)
    {
        IsTransient = isTransient;
    }

    public bool IsTransient { get; }
}
