using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Keelson.TestSupport;

/// <summary>
/// A real PostgreSQL 15 (Debian's package <c>postgresql</c>) for the tests of one process: started on first use in
/// a fresh temp folder on a free loopback port, stopped and its folder removed when the process exits. Each test
/// asks for a database of its own (<see cref="CreateDatabaseAsync"/>). PostgreSQL refuses to run as root: under
/// root (as in CI) the folder is given to <c>nobody</c> and the programs run as that user through <c>setpriv</c>.
/// </summary>
public sealed class PostgresCluster
{
    /// <summary>Where Debian's package <c>postgresql</c> (version 15) installs its programs.</summary>
    public const string BinDirectory = "/usr/lib/postgresql/15/bin";

    public const string User = "keelson";

    private const int UnprivilegedId = 65534;
    private static readonly TimeSpan s_startDeadline = TimeSpan.FromSeconds(60);
    private static readonly Lazy<Task<PostgresCluster>> s_shared = new(StartAsync, LazyThreadSafetyMode.ExecutionAndPublication);
    private static int s_databases;

    private readonly Process _server;
    private readonly ConcurrentQueue<string> _log;

    private PostgresCluster(string directory, int port, Process server, ConcurrentQueue<string> log)
    {
        Directory = directory;
        Port = port;
        _server = server;
        _log = log;
    }

    /// <summary>The temp folder holding the data folder, the socket and the log.</summary>
    public string Directory { get; }

    public int Port { get; }

    /// <summary>The cluster of this test process, started on first use.</summary>
    public static Task<PostgresCluster> SharedAsync() => s_shared.Value;

    /// <summary>Creates an empty database in the shared cluster; returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(CancellationToken cancellationToken = default)
    {
        var cluster = await SharedAsync();
        var name = $"test_{Environment.ProcessId}_{Interlocked.Increment(ref s_databases)}";
        await using (var connection = new NpgsqlConnection(cluster.ConnectionString("postgres")))
        {
            await connection.OpenAsync(cancellationToken);
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        return cluster.ConnectionString(name);
    }

    /// <summary>A connection string to <paramref name="database"/> over TCP on loopback, without pooling left behind.</summary>
    public string ConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = User,
        Database = database,
        // Many tests each open a pool: keep idle connections few and short-lived.
        MaxPoolSize = 20,
        ConnectionIdleLifetime = 10,
    }.ConnectionString;

    /// <summary>What the server printed (its log), for a failure message.</summary>
    public string Log() => string.Join('\n', _log);

    private static async Task<PostgresCluster> StartAsync()
    {
        var initdb = Path.Combine(BinDirectory, "initdb");
        var postgres = Path.Combine(BinDirectory, "postgres");
        if (!File.Exists(initdb) || !File.Exists(postgres))
        {
            throw new InvalidOperationException(
                $"PostgreSQL 15 is not installed: {initdb} and {postgres} are missing; install the Debian package postgresql");
        }

        RemoveAbandonedClusters();
        var directory = System.IO.Directory.CreateTempSubdirectory("keelson-postgres-").FullName;
        var data = Path.Combine(directory, "data");
        var sockets = Path.Combine(directory, "sockets");
        System.IO.Directory.CreateDirectory(sockets);
        var asRoot = NativeMethods.geteuid() == 0;
        if (asRoot)
        {
            await RunAsync("chown", ["-R", $"{UnprivilegedId}:{UnprivilegedId}", directory], asUnprivileged: false);
        }

        // C collation: text sorts by bytes, as SQLite's BINARY does.
        await RunAsync(initdb, ["-D", data, "-A", "trust", "-U", User, "-E", "UTF8", "--no-locale", "--no-sync"], asRoot);
        var port = FreePort();
        var log = new ConcurrentQueue<string>();
        var server = StartProcess(
            postgres,
            ["-D", data, "-k", sockets, "-h", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
             "-c", "fsync=off", "-c", "full_page_writes=off", "-c", "synchronous_commit=off", "-c", "max_connections=300"],
            asRoot);
        server.OutputDataReceived += (_, e) => Append(log, e.Data);
        server.ErrorDataReceived += (_, e) => Append(log, e.Data);
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        var cluster = new PostgresCluster(directory, port, server, log);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.Stop();
        await Console.Error.WriteLineAsync($"PostgreSQL test cluster: data in {data}, port {port} (pid {server.Id})");
        await cluster.WaitUntilReadyAsync();
        return cluster;
    }

    private async Task WaitUntilReadyAsync()
    {
        var deadline = Stopwatch.StartNew();
        Exception? last = null;
        while (deadline.Elapsed < s_startDeadline)
        {
            if (_server.HasExited)
            {
                throw new InvalidOperationException($"PostgreSQL exited with code {_server.ExitCode} while starting; its log:\n{Log()}");
            }

            try
            {
                await using var connection = new NpgsqlConnection(ConnectionString("postgres") + ";Pooling=false");
                await connection.OpenAsync();
                return;
            }
            catch (Exception e) when (e is NpgsqlException or SocketException)
            {
                last = e;
                await Task.Delay(100);
            }
        }

        Stop();
        throw new TimeoutException($"PostgreSQL did not accept connections on port {Port} within {s_startDeadline.TotalSeconds:0}s ({last?.Message}); its log:\n{Log()}");
    }

    private void Stop()
    {
        try
        {
            if (!_server.HasExited)
            {
                // SIGQUIT: immediate shutdown, the test data is thrown away anyway.
                NativeMethods.kill(_server.Id, NativeMethods.SigQuit);
                if (!_server.WaitForExit(TimeSpan.FromSeconds(10)))
                {
                    _server.Kill(entireProcessTree: true);
                    _server.WaitForExit(TimeSpan.FromSeconds(5));
                }
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"PostgreSQL test cluster: could not remove {Directory}: {e.Message}");
        }
    }

    // A test host killed by its runner never reaches ProcessExit; the next run removes the folders whose server is gone.
    private static void RemoveAbandonedClusters()
    {
        foreach (var folder in System.IO.Directory.EnumerateDirectories(Path.GetTempPath(), "keelson-postgres-*"))
        {
            var pidFile = Path.Combine(folder, "data", "postmaster.pid");
            // Young folders may belong to another test process still starting its server.
            if (System.IO.Directory.GetCreationTimeUtc(folder) > DateTime.UtcNow - TimeSpan.FromMinutes(10)
                || (File.Exists(pidFile) && int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), out var pid) && System.IO.Directory.Exists($"/proc/{pid}")))
            {
                continue;
            }

            try
            {
                System.IO.Directory.Delete(folder, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another test process may be creating it right now.
            }
        }
    }

    private static void Append(ConcurrentQueue<string> log, string? line)
    {
        if (line is not null)
        {
            log.Enqueue(line);
        }
    }

    private static int FreePort()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }

    private static Process StartProcess(string program, IReadOnlyList<string> arguments, bool asUnprivileged)
    {
        var start = new ProcessStartInfo(asUnprivileged ? "setpriv" : program)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        if (asUnprivileged)
        {
            foreach (var argument in new[] { $"--reuid={UnprivilegedId}", $"--regid={UnprivilegedId}", "--clear-groups", program })
            {
                start.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
    }

    private static async Task RunAsync(string program, IReadOnlyList<string> arguments, bool asUnprivileged)
    {
        using var process = StartProcess(program, arguments, asUnprivileged);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(s_startDeadline);
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{program} {string.Join(' ', arguments)} failed with exit code {process.ExitCode}:\n{await output}{await error}");
        }
    }
}
