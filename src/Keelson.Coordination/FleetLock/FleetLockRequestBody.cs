namespace Keelson.Coordination.FleetLock;

/// <summary>The body of both requests: <c>{"client_params":{"id":"...","group":"..."}}</c>.</summary>
internal sealed record FleetLockRequestBody(FleetLockClientParams ClientParams);
