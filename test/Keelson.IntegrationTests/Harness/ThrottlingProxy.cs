using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Keelson.IntegrationTests.Harness;

/// <summary>
/// A TCP proxy on loopback that passes a server's answers on at a fixed rate, so that a download lasts long enough
/// for a test to interrupt it at chosen moments. Requests go through unthrottled. <see cref="Target"/> may be set
/// after the proxy started (a server's public URL must name the proxy before the server listens).
/// </summary>
public sealed class ThrottlingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly long _bytesPerSecond;
    private readonly Task _accepting;

    public ThrottlingProxy(long bytesPerSecond)
    {
        _bytesPerSecond = bytesPerSecond;
        _listener.Start();
        Url = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        _accepting = AcceptAsync();
    }

    public Uri Url { get; }

    /// <summary>Where connections are passed to.</summary>
    public Uri? Target { get; set; }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                var target = Target ?? throw new InvalidOperationException("the proxy has no target yet");
                await server.ConnectAsync(target.Host, target.Port, _stop.Token);
                var up = client.GetStream().CopyToAsync(server.GetStream(), _stop.Token);
                var down = CopyThrottledAsync(server.GetStream(), client.GetStream(), _stop.Token);
                await Task.WhenAny(up, down);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or InvalidOperationException)
            {
                // A side went away; close both.
            }
        }
    }

    private async Task CopyThrottledAsync(Stream from, Stream to, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        var clock = Stopwatch.StartNew();
        long sent = 0;
        int read;
        while ((read = await from.ReadAsync(buffer, cancellationToken)) > 0)
        {
            await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            sent += read;
            var due = TimeSpan.FromSeconds((double)sent / _bytesPerSecond) - clock.Elapsed;
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, cancellationToken);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
