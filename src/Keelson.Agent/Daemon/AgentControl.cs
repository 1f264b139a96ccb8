using Keelson.Agent.State;
using Keelson.Agent.Status;

namespace Keelson.Agent.Daemon;

/// <summary>
/// The client side of the agent's control socket, for <c>keelson agent status|check|mark-good|rollback</c> and
/// <c>keelson-agent</c>'s same commands.
/// </summary>
public static class AgentControl
{
    /// <summary>
    /// Sends <paramref name="command"/> to the agent with state in <paramref name="stateDirectory"/> and prints its
    /// answer: on <paramref name="output"/> when it succeeded, as <c>error: ...</c> on <paramref name="error"/> when not.
    /// </summary>
    /// <returns>The agent's exit code, or <see cref="DaemonExitCodes.Failed"/> when no agent listens.</returns>
    public static async Task<int> SendAsync(string stateDirectory, string command, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        ControlReply reply;
        try
        {
            reply = await ControlSocket.SendAsync(new AgentStateStore(stateDirectory).SocketPath, command, cancellationToken);
        }
        catch (UpdateEngineException e)
        {
            await error.WriteLineAsync($"error: {e.Message}");
            return DaemonExitCodes.Failed;
        }

        await (reply.ExitCode == DaemonExitCodes.Success ? output.WriteAsync(reply.Text) : error.WriteAsync("error: " + reply.Text));
        return reply.ExitCode;
    }

    /// <summary>The running agent's status, or with the agent stopped the status it saved last.</summary>
    /// <exception cref="UpdateEngineException">
    /// The agent is not running and saved no status, or the socket or the saved file cannot be used; the message says which.
    /// </exception>
    public static async Task<StatusReading> ReadStatusAsync(string stateDirectory, CancellationToken cancellationToken)
    {
        var store = new AgentStateStore(stateDirectory);
        var reply = await ControlSocket.TrySendAsync(store.SocketPath, "status", cancellationToken);
        if (reply is not null)
        {
            return reply.ExitCode == DaemonExitCodes.Success
                ? new StatusReading(reply.Text, null, "the agent's answer")
                : throw new UpdateEngineException(reply.Text.TrimEnd(), 0, isTransient: false);
        }

        try
        {
            return new StatusReading(
                await File.ReadAllTextAsync(store.StatusPath, cancellationToken),
                new DateTimeOffset(File.GetLastWriteTimeUtc(store.StatusPath), TimeSpan.Zero),
                store.StatusPath);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new UpdateEngineException(
                $"the agent is not running (nothing listens at {store.SocketPath}) and has saved no status: there is no {store.StatusPath}", 0, isTransient: false, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UpdateEngineException(
                $"the agent is not running (nothing listens at {store.SocketPath}), and its saved status cannot be read: {e.Message}", 0, isTransient: false, e);
        }
    }
}
