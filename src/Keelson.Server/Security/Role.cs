namespace Keelson.Server.Security;

/// <summary>What a token may do; <see cref="Roles"/> holds the one table of what each role is allowed.</summary>
public enum Role
{
    /// <summary>A machine's credential: trusted on the machines' endpoints, no admin API or dashboard at all.</summary>
    Machine,

    /// <summary>Reads the admin API and the dashboard.</summary>
    Viewer,

    /// <summary>Reads, and moves rollouts: publish, set and promote channels, group policy, pause and resume, reboot slots.</summary>
    Operator,

    /// <summary>Everything: applications, channels and groups created, deletes, tokens.</summary>
    Admin,
}
