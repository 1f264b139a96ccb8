using Keelson.Agent.Daemon;

namespace Keelson.Cli;

/// <summary>The exit codes of <c>keelson</c>, the one place they are named.</summary>
internal static class ExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    public const int Success = 0;

    /// <summary>The operation failed; the message on stderr says why.</summary>
    public const int Failed = 1;

    /// <summary>Bad usage: the command line was refused before anything was done.</summary>
    public const int Usage = 2;

    /// <summary>Stopped by SIGINT (Ctrl-C) after cleaning up: 128 + 2, as a shell reports it.</summary>
    public const int Interrupted = DaemonExitCodes.Interrupted;

    /// <summary>Stopped by SIGTERM after cleaning up: 128 + 15.</summary>
    public const int Terminated = DaemonExitCodes.Terminated;
}
