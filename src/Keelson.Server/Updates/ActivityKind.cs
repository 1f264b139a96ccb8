namespace Keelson.Server.Updates;

/// <summary>The kinds of activity entries; the first ones are Nebraska's classes.</summary>
public static class ActivityKind
{
    public const string RolloutStarted = "RolloutStarted";
    public const string RolloutFailed = "RolloutFailed";
    public const string InstanceUpdateFailed = "InstanceUpdateFailed";
    public const string ChannelPackageUpdated = "ChannelPackageUpdated";
    public const string PackagePublished = "PackagePublished";
    public const string ApplicationCreated = "ApplicationCreated";
    public const string ChannelCreated = "ChannelCreated";
    public const string GroupCreated = "GroupCreated";
    public const string GroupUpdated = "GroupUpdated";
    public const string GroupPaused = "GroupPaused";
    public const string GroupResumed = "GroupResumed";
    public const string PackageDeleted = "PackageDeleted";
    public const string ChannelDeleted = "ChannelDeleted";
    public const string GroupDeleted = "GroupDeleted";
    public const string TokenCreated = "TokenCreated";
    public const string TokenRevoked = "TokenRevoked";
    public const string RebootSlotsSet = "RebootSlotsSet";
    public const string RebootSlotFreed = "RebootSlotFreed";
}
