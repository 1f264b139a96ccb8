using System.Net.Sockets;
using Keelson.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Keelson.Cli.Demo;

/// <summary>
/// The update service, run inside the demo's process exactly as <c>keelson server</c> runs it: SQLite in the
/// demo's folder, its own FleetLock, the admin API with a token generated into the folder.
/// </summary>
internal sealed class DemoServer : IAsyncDisposable
{
    private static readonly TimeSpan s_stopTimeout = TimeSpan.FromSeconds(2);

    private readonly WebApplication _app;
    private readonly TimeProvider _time;

    private DemoServer(WebApplication app, Uri url, string token, TimeProvider time)
    {
        _app = app;
        _time = time;
        Url = url;
        Token = token;
    }

    /// <summary>Where the machines, the admin client and a browser reach it, e.g. http://127.0.0.1:8080/.</summary>
    public Uri Url { get; }

    /// <summary>The admin API's bearer token (also in DATA/admin-token).</summary>
    public string Token { get; }

    public static async Task<DemoServer> StartAsync(
        string dataDirectory, IReadOnlyList<Uri> listen, DemoLog log, TimeProvider time, CancellationToken cancellationToken)
    {
        var options = new ServerOptions { DataDirectory = dataDirectory };
        // Every simulated machine checks in from this host's one address, which is what the limits count; each stands for a host of its own.
        options.Limits.TurnOff();
        foreach (var address in listen)
        {
            options.Listen.Add(address);
        }

        WebApplication app;
        try
        {
            app = await KeelsonServer.BuildAsync(options, time, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or Microsoft.Data.Sqlite.SqliteException)
        {
            throw new CliException($"the update service could not start: {e.Message}");
        }

        LogToDemoLog(app, log);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (Exception e) when (IsAddressInUse(e))
        {
            await app.DisposeAsync();
            throw new CliException(
                $"cannot listen on {string.Join(", ", listen)}: the port is already in use (another keelson server or demo?); use another, e.g. --listen http://127.0.0.1:0 for a free one");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            await app.DisposeAsync();
            throw new CliException($"the update service could not listen on {string.Join(", ", listen)}: {e.Message}");
        }

        var token = (await File.ReadAllTextAsync(Path.Combine(dataDirectory, AdminToken.FileName), cancellationToken)).Trim();
        return new DemoServer(app, Reachable(new Uri(KeelsonServer.Addresses(app)[0])), token, time);
    }

    /// <summary>
    /// The server's log goes to demo.log: a console line in the middle of the live display would tear it. The
    /// console provider is silenced through configuration, which the logger factory follows as it changes.
    /// </summary>
    private static void LogToDemoLog(WebApplication app, DemoLog log)
    {
        if (app.Configuration is IConfigurationBuilder configuration)
        {
            configuration.AddInMemoryCollection([new KeyValuePair<string, string?>("Logging:Console:LogLevel:Default", "None")]);
        }

        app.Services.GetRequiredService<ILoggerFactory>().AddProvider(log.Provider("server"));
    }

    private static bool IsAddressInUse(Exception e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is AddressInUseException or SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A wildcard listen address (0.0.0.0, [::]) is reached on the loopback address.</summary>
    private static Uri Reachable(Uri address)
    {
        var host = address.Host is "0.0.0.0" or "[::]" or "::" or "+" or "*" ? "127.0.0.1" : address.Host;
        return new UriBuilder(address) { Host = host, Path = "/" }.Uri;
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(s_stopTimeout, _time);
        try
        {
            await _app.StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // Requests still open past the timeout are cut; the demo is ending.
        }

        await _app.DisposeAsync();
    }
}
