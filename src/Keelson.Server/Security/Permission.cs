namespace Keelson.Server.Security;

/// <summary>What an endpoint needs of its caller; <see cref="Roles"/> says which roles have it.</summary>
public enum Permission
{
    /// <summary>Presents itself as a machine on the Omaha and FleetLock endpoints.</summary>
    ActAsMachine,

    /// <summary>Reads the admin API (GET) and the dashboard's pages.</summary>
    Read,

    /// <summary>Rollout actions: publish, set and promote channels, group policy, pause and resume, reboot slots.</summary>
    Operate,

    /// <summary>The rest: creating applications, channels and groups, every delete, tokens.</summary>
    Administer,
}
