namespace Keelson.Server.FleetLock;

/// <summary>The FleetLock endpoints' log event ids: the 100s, beside the update service's own (<see cref="ServerEventIds"/>).</summary>
internal static class FleetLockEventIds
{
    public const int Granted = 101;
    public const int Released = 102;
    public const int Refused = 103;
    public const int Invalid = 104;
    public const int StoreFailed = 105;
    public const int Failed = 106;
    public const int SlotsSet = 107;
    public const int ReleasedByOperator = 108;
    public const int Unchanged = 109;
    public const int WaitingForEtcd = 110;
    public const int EtcdAnswered = 111;
}
