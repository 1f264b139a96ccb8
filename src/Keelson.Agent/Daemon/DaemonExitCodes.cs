namespace Keelson.Agent.Daemon;

/// <summary>
/// The exit codes of the agent daemon (<c>keelson agent</c> and <c>keelson-agent</c>) and of its control commands,
/// the one place they are named. <c>keelson</c>'s own codes use the same numbers.
/// </summary>
public static class DaemonExitCodes
{
    /// <summary>Done: the daemon was stopped by SIGTERM or SIGINT (as systemd stops it), or a control command did what it was asked.</summary>
    public const int Success = 0;

    /// <summary>Failed; the message on stderr says why (a bad configuration, no A/B disk, no agent listening...).</summary>
    public const int Failed = 1;

    /// <summary>Bad usage: the command line was refused before anything was done.</summary>
    public const int Usage = 2;

    /// <summary>A command (not the daemon) stopped by SIGINT (Ctrl-C) after cleaning up: 128 + 2, as a shell reports it.</summary>
    public const int Interrupted = 130;

    /// <summary>A command (not the daemon) stopped by SIGTERM after cleaning up: 128 + 15.</summary>
    public const int Terminated = 143;
}
