using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Keelson.Coordination.Tests.FleetLock;

/// <summary>
/// An HTTP server on a free loopback port (HttpListener), answering every request with <see cref="Handler"/> and
/// keeping what it received.
/// </summary>
internal sealed class TinyHttpServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private readonly List<Received> _received = [];

    public TinyHttpServer(Func<Received, Task<(int Status, string Body)>> handler)
    {
        Handler = handler;
        Port = FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public Func<Received, Task<(int Status, string Body)>> Handler { get; set; }

    public int Port { get; }

    public Uri Url => new($"http://127.0.0.1:{Port}/");

    public IReadOnlyList<Received> Requests
    {
        get
        {
            lock (_received)
            {
                return [.. _received];
            }
        }
    }

    public static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => AnswerAsync(context));
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
        var received = new Received(
            context.Request.HttpMethod,
            context.Request.Url!.AbsolutePath,
            context.Request.Headers["fleet-lock-protocol"],
            context.Request.ContentType,
            await reader.ReadToEndAsync());
        lock (_received)
        {
            _received.Add(received);
        }

        try
        {
            var (status, body) = await Handler(received);
            context.Response.StatusCode = status;
            var bytes = Encoding.UTF8.GetBytes(body);
            context.Response.ContentLength64 = bytes.Length;
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
        {
            // The client went away (e.g. a timeout test).
        }
    }

    public sealed record Received(string Method, string Path, string? ProtocolHeader, string? ContentType, string Body);
}
