using System.Runtime.InteropServices;

namespace Keelson.Agent.Daemon;

/// <summary>
/// SIGINT (Ctrl-C) and SIGTERM cancel the running command's token instead of killing the process, so that it can
/// clean up and say so; a second signal while it does is left to its default and ends the process at once.
/// System.CommandLine's own handling (<c>ProcessTerminationTimeout</c>) is off: it would end the process after a
/// fixed time, clean-up done or not. Commands that catch the signals themselves (<c>keelson demo</c>, the
/// ASP.NET hosts) still see them. <c>keelson</c> and <c>keelson-agent</c> both register it.
/// </summary>
public sealed class Termination : IDisposable
{
    private static int s_signal;

    private readonly CancellationTokenSource _stop = new();
    private readonly PosixSignalRegistration[] _registrations;

    private Termination()
    {
        _registrations = [.. new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM }.Select(signal => PosixSignalRegistration.Create(signal, OnSignal))];
    }

    /// <summary>The signal that stopped the command, once one has.</summary>
    public static PosixSignal? Signal => Volatile.Read(ref s_signal) is var raw and not 0 ? (PosixSignal)raw : null;

    /// <summary>Cancelled by the first SIGINT or SIGTERM.</summary>
    public CancellationToken Token => _stop.Token;

    public static Termination Register() => new();

    /// <summary>The exit code of a command that stopped on <paramref name="signal"/>.</summary>
    public static int ExitCode(PosixSignal signal) => signal == PosixSignal.SIGINT ? DaemonExitCodes.Interrupted : DaemonExitCodes.Terminated;

    public static string Name(PosixSignal signal) => signal == PosixSignal.SIGINT ? "SIGINT" : "SIGTERM";

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _stop.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        if (Interlocked.CompareExchange(ref s_signal, (int)context.Signal, 0) == 0)
        {
            context.Cancel = true;
            _ = _stop.CancelAsync();
        }
    }
}
