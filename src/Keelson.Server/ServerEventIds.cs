namespace Keelson.Server;

/// <summary>The update service's log event ids, kept in one place so that they stay unique.</summary>
internal static class ServerEventIds
{
    public const int InstancesPruned = 1;
    public const int LastChecksNotRecorded = 2;
    public const int FleetSampleFailed = 3;
    public const int LiveChangesFailed = 4;
    public const int InstancePruneFailed = 5;
    public const int InstanceCountFoldFailed = 6;
    public const int CatalogListenerLost = 7;
    public const int CatalogListenerRestored = 8;
    public const int TokenListenerLost = 9;

    // What an operator follows in the log: the fleet's updates and the catalog's changes, at Information.
    public const int UpdateGranted = 10;
    public const int UpdateFailed = 11;
    public const int GroupHalted = 12;
    public const int GroupPaused = 13;
    public const int GroupResumed = 14;
    public const int PackagePublished = 20;
    public const int ChannelMoved = 21;
    public const int Deleted = 22;

    // Tokens: kept fresh on every replica, made and revoked, and requests refused for the role.
    public const int TokenListenerRestored = 30;
    public const int TokensNotRefreshed = 31;
    public const int TokenUseNotRecorded = 32;
    public const int TokenCreated = 33;
    public const int TokenRevoked = 34;
    public const int RequestForbidden = 35;
}
