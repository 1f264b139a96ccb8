using Keelson.Agent.Configuration;
using Keelson.Agent.Engine;
using Keelson.Agent.Host;
using Microsoft.Extensions.Logging;

namespace Keelson.Agent.Daemon;

/// <summary>
/// The update agent of a real machine, run as a daemon: <c>keelson agent</c> and <c>keelson-agent</c> both start it
/// here, so that they log, stop and exit alike. Errors go to stderr as one <c>error: ...</c> line (the journal);
/// the exit code is one of <see cref="DaemonExitCodes"/>.
/// </summary>
public static class AgentDaemon
{
    /// <summary>
    /// Runs the agent on <paramref name="host"/> until it is stopped by SIGTERM or SIGINT (exit 0, saying so) or fails
    /// (exit 1 with the reason).
    /// </summary>
    public static async Task<int> RunAsync(AgentOptions options, LinuxHost host, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(error);
        using var loggers = Loggers(toStandardError: true);
        using var http = Http();
        var agent = new UpdateAgent(options, host, http, TimeProvider.System, loggers.CreateLogger("keelson.agent"));
        try
        {
            if (await agent.RunAsync(cancellationToken) == AgentExit.Rebooting)
            {
                // The reboot command has been started; wait to be stopped by it.
                await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
            }

            return DaemonExitCodes.Success;
        }
        catch (UpdateConfigException e)
        {
            await error.WriteLineAsync($"error: bad configuration: {e.Message}");
            return DaemonExitCodes.Failed;
        }
        catch (UpdateEngineException e)
        {
            await error.WriteLineAsync($"error: {e.Message}");
            return DaemonExitCodes.Failed;
        }
        catch (OperationCanceledException) when (Termination.Signal is { } signal)
        {
            // The way a daemon is stopped (systemctl stop, the reboot): not a failure, which 143 would be to systemd.
            await error.WriteLineAsync($"stopped by {Termination.Name(signal)}");
            return DaemonExitCodes.Success;
        }
    }

    /// <summary>The agent's logger: single lines on stderr (the daemon's journal) or stdout (a simulated machine's console).</summary>
    public static ILoggerFactory Loggers(bool toStandardError) => LoggerFactory.Create(builder => builder
        .SetMinimumLevel(LogLevel.Information)
        .AddSimpleConsole(options =>
        {
            options.SingleLine = true;
            options.TimestampFormat = "HH:mm:ss ";
        })
        .AddFilter("System.Net.Http", LogLevel.Warning)
        .AddConsole(options => options.LogToStandardErrorThreshold = toStandardError ? LogLevel.Trace : LogLevel.None));

    /// <summary>The HTTP client of the agent's Omaha exchanges and downloads.</summary>
    public static HttpClient Http() => Omaha.AgentHttp.Create(Keelson.Tls.ClientTls.Load(Keelson.Tls.ClientTlsSettings.None));
}
