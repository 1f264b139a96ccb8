using System.Diagnostics;
using System.Reflection;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Keelson.IntegrationTests.Harness;

/// <summary>
/// One test's sandbox for the real <c>keelson</c> executable: a temp folder of its own, servers started in it on
/// free loopback ports, CLI commands run against the last server started, and other keelson processes (agents,
/// lock servers...) in the background. Disposing kills every process it started (SIGKILL) and deletes the folder.
/// </summary>
public sealed class KeelsonProcess : IAsyncDisposable
{
    /// <summary>How long one CLI command may take; generous because CI machines are small and busy.</summary>
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(90);

    /// <summary>How long a server may take to start listening and answer /health.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private const string ListeningPrefix = "keelson server listening on ";
    private const string TokenPrefix = "admin token in ";

    /// <summary>Variables that would point a CLI run at some server other than the test's.</summary>
    private static readonly string[] s_ambientVariables = ["KEELSON_SERVER", "KEELSON_TOKEN", "KEELSON_ADMIN_TOKEN"];

    private readonly ITestOutputHelper? _log;
    private readonly List<RunningProcess> _started = [];
    private readonly List<RunningServer> _servers = [];

    public KeelsonProcess(ITestOutputHelper? log = null)
    {
        _log = log;
        Directory = System.IO.Directory.CreateTempSubdirectory("keelson-it-").FullName;
    }

    /// <summary>The built keelson.dll this test run exercises (recorded by the project file at build time).</summary>
    public static string CliAssembly { get; } = FindCliAssembly();

    /// <summary>The test's own temp folder.</summary>
    public string Directory { get; }

    /// <summary>The server CLI commands talk to: the last one started.</summary>
    public RunningServer? Server { get; private set; }

    /// <summary>A path inside the test's folder.</summary>
    public string PathOf(string relative) => Path.Combine(Directory, relative);

    /// <summary>
    /// Starts <c>keelson server --data DIR --listen http://127.0.0.1:0</c>, waits for the address it prints and for
    /// /health to answer, and makes it the server of later CLI commands. <paramref name="dataDirectory"/> is
    /// relative to the test's folder.
    /// </summary>
    public async Task<RunningServer> StartServerAsync(
        string dataDirectory = "data", IEnumerable<string>? extraArguments = null, CancellationToken cancellationToken = default)
    {
        var data = PathOf(dataDirectory);
        var process = Start(["server", "--data", data, "--listen", "http://127.0.0.1:0", .. extraArguments ?? []]);
        var listening = await process.WaitForLineAsync(line => line.StartsWith(ListeningPrefix, StringComparison.Ordinal), StartTimeout, cancellationToken);
        // The token line comes after every address line.
        var tokenLine = await process.WaitForLineAsync(line => line.StartsWith("admin token ", StringComparison.Ordinal), StartTimeout, cancellationToken);
        var token = tokenLine.StartsWith(TokenPrefix, StringComparison.Ordinal)
            ? (await File.ReadAllTextAsync(tokenLine[TokenPrefix.Length..], cancellationToken)).Trim()
            : null;
        var server = new RunningServer(process, new Uri(listening[ListeningPrefix.Length..].Trim()), data, token);
        await server.WaitUntilHealthyAsync(StartTimeout, cancellationToken);
        _servers.Add(server);
        Server = server;
        return server;
    }

    /// <summary>Runs a keelson command against <see cref="Server"/> (via $KEELSON_SERVER and $KEELSON_TOKEN) to completion.</summary>
    public Task<ProcessResult> RunAsync(params string[] arguments) => RunAsync(arguments, environment: null);

    /// <summary>Runs a keelson command like <see cref="RunAsync(string[])"/> and fails the test unless it exits 0.</summary>
    public async Task<ProcessResult> SucceedAsync(params string[] arguments)
    {
        var result = await RunAsync(arguments);
        return result.ExitCode == 0 ? result : throw new XunitException($"expected exit 0:\n{result}");
    }

    /// <summary>
    /// Runs a keelson command to completion within <paramref name="timeout"/>. <paramref name="environment"/> adds
    /// or (with null) removes variables after $KEELSON_SERVER and $KEELSON_TOKEN are set from <see cref="Server"/>.
    /// </summary>
    public async Task<ProcessResult> RunAsync(
        IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment, TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        var result = await ProcessRunner.RunAsync(Command(arguments, environment), timeout ?? CommandTimeout, cancellationToken);
        _log?.WriteLine(result.ToString());
        return result;
    }

    /// <summary>Starts a keelson command in the background; it is killed when this sandbox is disposed.</summary>
    public RunningProcess Start(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var process = ProcessRunner.Start(Command(arguments, environment));
        lock (_started)
        {
            _started.Add(process);
        }

        return process;
    }

    /// <summary>
    /// Runs another program (<c>keelson-agent</c>) in the test's folder to completion, without the test server's
    /// variables.
    /// </summary>
    public async Task<ProcessResult> RunProgramAsync(string program, params string[] arguments)
    {
        var result = await ProcessRunner.RunAsync(ProgramCommand(program, arguments), CommandTimeout);
        _log?.WriteLine(result.ToString());
        return result;
    }

    /// <summary>Starts another program (<c>keelson-agent</c>) in the background; it is killed when this sandbox is disposed.</summary>
    public RunningProcess StartProgram(string program, IEnumerable<string> arguments)
    {
        var process = ProcessRunner.Start(ProgramCommand(program, arguments));
        lock (_started)
        {
            _started.Add(process);
        }

        return process;
    }

    /// <summary>How to run <c>keelson ARGS</c> in the test's folder, with the test's server in the environment.</summary>
    public ProcessStartInfo Command(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = ProcessRunner.Describe(DotnetHost(), [CliAssembly, .. arguments], Directory);
        foreach (var name in s_ambientVariables)
        {
            start.Environment.Remove(name);
        }

        if (Server is { } server)
        {
            start.Environment["KEELSON_SERVER"] = server.Url.ToString();
            if (server.Token is { } token)
            {
                start.Environment["KEELSON_TOKEN"] = token;
            }
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        return start;
    }

    private ProcessStartInfo ProgramCommand(string program, IEnumerable<string> arguments)
    {
        var start = ProcessRunner.Describe(program, arguments, Directory);
        foreach (var name in s_ambientVariables)
        {
            start.Environment.Remove(name);
        }

        return start;
    }

    public async ValueTask DisposeAsync()
    {
        RunningProcess[] started;
        lock (_started)
        {
            started = [.. _started];
        }

        var failures = new List<Exception>();
        // Every process is killed even when one of them fails to be.
        foreach (var process in started)
        {
            try
            {
                await process.DisposeAsync();
                _log?.WriteLine(process.Describe());
            }
            catch (Exception e)
            {
                failures.Add(e);
            }
        }

        foreach (var server in _servers)
        {
            server.Dispose();
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException e)
        {
            _log?.WriteLine($"could not delete {Directory}: {e.Message}");
        }

        if (failures.Count > 0)
        {
            throw new AggregateException("stopping the test's processes failed", failures);
        }
    }

    private static string FindCliAssembly()
    {
        var path = typeof(KeelsonProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(a => a.Key == "KeelsonCli")?.Value;
        return path is not null && File.Exists(path)
            ? path
            : throw new InvalidOperationException($"keelson.dll was not found at '{path}'; build the Keelson.Cli project first");
    }

    /// <summary>The dotnet host running this build (the SDK sets DOTNET_HOST_PATH), else the one on PATH.</summary>
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)
            ? host
            : Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
}
