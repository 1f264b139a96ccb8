namespace Keelson.Server;

/// <summary>The update service's log event ids, kept in one place so that they stay unique.</summary>
internal static class ServerEventIds
{
    public const int InstancesPruned = 1;
    public const int LastChecksNotRecorded = 2;
    public const int FleetSampleFailed = 3;
    public const int LiveChangesFailed = 4;
}
