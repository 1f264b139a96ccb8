using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Keelson.Omaha;

namespace Keelson.Agent.Status;

/// <summary>
/// The agent's local control socket: a Unix socket (mode 0600) that answers one command per connection
/// (<c>status</c>, <c>check</c>, ...). Only root, or the user the agent runs as, may use it; the peer's
/// identity comes from the kernel (SO_PEERCRED), not from anything it sends.
/// </summary>
/// <remarks>Wire format: the client sends one line; the agent answers a line with an exit code, then text.</remarks>
public sealed class ControlSocket : IAsyncDisposable
{
    private const int MaxCommandBytes = 256;
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;

    private readonly Socket _listener;
    private readonly string _path;
    private readonly Func<string, CancellationToken, Task<ControlReply>> _handle;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    private ControlSocket(Socket listener, string path, Func<string, CancellationToken, Task<ControlReply>> handle)
    {
        _listener = listener;
        _path = path;
        _handle = handle;
        _accepting = AcceptLoopAsync();
    }

    /// <summary>Listens at <paramref name="path"/>, replacing a stale socket file a previous agent left.</summary>
    public static ControlSocket Listen(string path, Func<string, CancellationToken, Task<ControlReply>> handle)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.Delete(path);
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(path));
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            listener.Listen(16);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        return new ControlSocket(listener, path, handle);
    }

    /// <summary>Sends <paramref name="command"/> to the agent listening at <paramref name="path"/>.</summary>
    /// <exception cref="UpdateEngineException">No agent listens there, or its answer is no reply.</exception>
    public static async Task<ControlReply> SendAsync(string path, string command, CancellationToken cancellationToken) =>
        await TrySendAsync(path, command, cancellationToken)
        ?? throw new UpdateEngineException($"the agent is not running: nothing listens at {path}", OmahaErrorCodes.AgentUnreachable, isTransient: true);

    /// <summary>
    /// Sends <paramref name="command"/> to the agent listening at <paramref name="path"/>; null when no agent listens
    /// there (no socket file, or one a stopped agent left behind).
    /// </summary>
    /// <exception cref="UpdateEngineException">The socket cannot be used (permissions), or the answer is no reply.</exception>
    public static async Task<ControlReply?> TrySendAsync(string path, string command, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressNotAvailable or SocketError.ConnectionRefused or SocketError.HostNotFound
            || !File.Exists(path))
        {
            return null;
        }
        catch (SocketException e)
        {
            throw new UpdateEngineException($"cannot talk to the agent at {path}: {e.Message}", OmahaErrorCodes.AgentUnreachable, isTransient: false, e);
        }

        await socket.SendAsync(Encoding.UTF8.GetBytes(command + "\n"), cancellationToken);
        socket.Shutdown(SocketShutdown.Send);
        var answer = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        while ((read = await socket.ReceiveAsync(buffer, cancellationToken)) > 0)
        {
            answer.Write(buffer, 0, read);
        }

        var text = Encoding.UTF8.GetString(answer.GetBuffer(), 0, (int)answer.Length);
        var newline = text.IndexOf('\n', StringComparison.Ordinal);
        if (newline < 0 || !int.TryParse(text.AsSpan(0, newline), out var code))
        {
            throw new UpdateEngineException($"the agent at {path} answered '{text}', not a reply", OmahaErrorCodes.AgentUnreachable, isTransient: false);
        }

        return new ControlReply(code, text[(newline + 1)..]);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(Socket client)
    {
        using (client)
        {
            ControlReply reply;
            if (!IsAllowed(client, out var uid))
            {
                reply = new ControlReply(1, $"user {uid} may not control the agent; use root\n");
            }
            else
            {
                reply = await HandleAsync(client);
            }

            try
            {
                await client.SendAsync(Encoding.UTF8.GetBytes($"{reply.ExitCode}\n{reply.Text}"), _stop.Token);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                // The client went away; nothing to answer.
            }
        }
    }

    private async Task<ControlReply> HandleAsync(Socket client)
    {
        var buffer = new byte[MaxCommandBytes];
        var length = 0;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            int read;
            while (length < buffer.Length && (read = await client.ReceiveAsync(buffer.AsMemory(length), timeout.Token)) > 0)
            {
                length += read;
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return new ControlReply(1, "no command received\n");
        }

        var command = Encoding.UTF8.GetString(buffer, 0, length).Trim();
        if (length == buffer.Length)
        {
            return new ControlReply(2, "the command is too long\n");
        }

        try
        {
            return await _handle(command, _stop.Token);
        }
        catch (UpdateEngineException e)
        {
            return new ControlReply(1, e.Message + "\n");
        }
    }

    /// <summary>Root and the agent's own user may control it.</summary>
    private static bool IsAllowed(Socket client, out uint uid)
    {
        Span<byte> credentials = stackalloc byte[12];
        client.GetRawSocketOption(SolSocket, SoPeerCred, credentials);
        // struct ucred { pid_t pid; uid_t uid; gid_t gid; } in the machine's byte order.
        uid = MemoryMarshal.Read<uint>(credentials[4..]);
        return uid == 0 || uid == geteuid();
    }

    [DllImport("libc", SetLastError = false)]
    private static extern uint geteuid();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _accepting;
        _stop.Dispose();
        File.Delete(_path);
    }
}
