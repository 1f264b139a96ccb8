namespace Keelson.Discovery;

/// <summary>The discovery service's log event ids, kept in one place so that they stay unique.</summary>
internal static class DiscoveryEventIds
{
    public const int TokenCreated = 1;
    public const int MemberRegistered = 2;
    public const int TokensCollected = 3;
    public const int CollectionFailed = 4;
    public const int StoreFailed = 5;
    public const int ListenerLost = 6;
    public const int ListenerRestored = 7;
}
