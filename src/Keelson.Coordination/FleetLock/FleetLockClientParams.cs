namespace Keelson.Coordination.FleetLock;

/// <summary>The <c>client_params</c> object: who asks (<c>id</c>) and for which reboot group (<c>group</c>).</summary>
internal sealed record FleetLockClientParams(string Id, string Group);
