using Xunit.Abstractions;

namespace Keelson.IntegrationTests.Harness;

/// <summary>
/// Real etcd 3.4 members on free loopback ports, each in its own folder under one temp folder: a static cluster
/// (<see cref="StartStaticAsync"/>) for code that needs an etcd, or members that bootstrap through a discovery URL
/// (<see cref="StartWithDiscovery"/>). Members can be killed and restarted; <see cref="EtcdctlAsync"/> runs etcdctl
/// (API v3) against them. Disposing kills every member (SIGKILL) and deletes the folder.
/// </summary>
public sealed class EtcdCluster : IAsyncDisposable
{
    /// <summary>How long members may take to become healthy; generous because CI machines are small and busy.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    /// <summary>How long one etcdctl command may take.</summary>
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The etcdctl binary: $KEELSON_ETCDCTL, else Debian's etcd-client one, else etcdctl on PATH.</summary>
    public static readonly string Etcdctl = Environment.GetEnvironmentVariable("KEELSON_ETCDCTL") is { Length: > 0 } path
        ? path
        : File.Exists("/usr/bin/etcdctl") ? "/usr/bin/etcdctl" : "etcdctl";

    private readonly ITestOutputHelper? _log;
    private readonly List<EtcdMember> _members = [];

    public EtcdCluster(ITestOutputHelper? log = null)
    {
        _log = log;
        Directory = System.IO.Directory.CreateTempSubdirectory("keelson-etcd-").FullName;
    }

    /// <summary>
    /// The certificates of a cluster whose members serve clients over TLS only and require a client certificate
    /// (<see cref="StartTlsAsync"/>); etcdctl presents the client one.
    /// Null for plain http.
    /// </summary>
    public EtcdMember.TlsFiles? Tls { get; private set; }

    /// <summary>The cluster's temp folder; each member's data folder is in it.</summary>
    public string Directory { get; }

    public IReadOnlyList<EtcdMember> Members => _members;

    /// <summary>The client URLs of every member, comma-separated, as <c>--endpoints</c> and <c>etcd:</c> stores take them.</summary>
    public string Endpoints => string.Join(',', _members.Select(m => EtcdMember.Address(m.ClientUrl)));

    /// <summary>
    /// Starts a new cluster of <paramref name="size"/> members that know each other from the start
    /// (<c>--initial-cluster</c>) and waits until every one is healthy.
    /// </summary>
    public static Task<EtcdCluster> StartStaticAsync(int size, ITestOutputHelper? log = null, CancellationToken cancellationToken = default) =>
        StartAsync(size, tls: false, log, cancellationToken);

    /// <summary>
    /// Like <see cref="StartStaticAsync"/>, but the members serve clients on https only, with certificates made for
    /// the cluster (<see cref="Tls"/>), and accept only clients that present a certificate signed by its CA. Peers
    /// talk plain http.
    /// </summary>
    public static Task<EtcdCluster> StartTlsAsync(int size, ITestOutputHelper? log = null, CancellationToken cancellationToken = default) =>
        StartAsync(size, tls: true, log, cancellationToken);

    private static async Task<EtcdCluster> StartAsync(int size, bool tls, ITestOutputHelper? log, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        var cluster = new EtcdCluster(log);
        try
        {
            if (tls)
            {
                cluster.Tls = EtcdMember.TlsFiles.Create(Path.Combine(cluster.Directory, "tls"));
            }

            var ports = Enumerable.Range(0, size).Select(_ => (Client: LoopbackPorts.Next(), Peer: LoopbackPorts.Next())).ToList();
            var names = Enumerable.Range(1, size).Select(i => $"etcd{i}").ToList();
            var initialCluster = string.Join(',', names.Zip(ports, (name, port) => $"{name}=http://127.0.0.1:{port.Peer}"));
            for (var i = 0; i < size; i++)
            {
                cluster.AddMember(
                    names[i],
                    ["--initial-cluster", initialCluster, "--initial-cluster-state", "new", "--initial-cluster-token", Path.GetFileName(cluster.Directory)],
                    ports[i]).Start();
            }

            await cluster.WaitUntilHealthyAsync(cancellationToken: cancellationToken);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Adds a member (not started) with its own folder and ports; <paramref name="arguments"/> come after the standard ones.</summary>
    public EtcdMember AddMember(string? name = null, IEnumerable<string>? arguments = null) =>
        AddMember(name ?? $"etcd{_members.Count + 1}", arguments ?? [], (LoopbackPorts.Next(), LoopbackPorts.Next()));

    /// <summary>
    /// Adds and starts a member that bootstraps through <paramref name="discoveryUrl"/> (<c>--discovery</c>); it
    /// registers, waits for the others and forms the cluster with them.
    /// </summary>
    public EtcdMember StartWithDiscovery(Uri discoveryUrl, string? name = null, IEnumerable<string>? arguments = null)
    {
        ArgumentNullException.ThrowIfNull(discoveryUrl);
        var member = AddMember(name, ["--discovery", discoveryUrl.ToString(), .. arguments ?? []]);
        member.Start();
        return member;
    }

    /// <summary>Waits until each of <paramref name="members"/> (default: every member) answers /health with true.</summary>
    public Task WaitUntilHealthyAsync(IEnumerable<EtcdMember>? members = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Task.WhenAll((members ?? _members).Select(m => m.WaitUntilHealthyAsync(timeout ?? StartTimeout, cancellationToken)));

    /// <summary>Runs <c>etcdctl ARGS</c> (API v3) against <paramref name="endpoints"/> (default: every member) to completion.</summary>
    public async Task<ProcessResult> EtcdctlAsync(IEnumerable<string> arguments, string? endpoints = null, CancellationToken cancellationToken = default)
    {
        var start = ProcessRunner.Describe(
            Etcdctl,
            [
                $"--endpoints={endpoints ?? Endpoints}", "--dial-timeout=5s", "--command-timeout=10s",
                .. Tls is { } tls ? new[] { $"--cacert={tls.CaFile}", $"--cert={tls.ClientCertFile}", $"--key={tls.ClientKeyFile}" } : [],
                .. arguments,
            ],
            Directory);
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("ETCD", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["ETCDCTL_API"] = "3";
        var result = await ProcessRunner.RunAsync(start, CommandTimeout, cancellationToken);
        _log?.WriteLine(result.ToString());
        return result;
    }

    /// <summary>Runs etcdctl like <see cref="EtcdctlAsync"/> and fails unless it exits 0.</summary>
    public async Task<ProcessResult> EtcdctlSucceedAsync(params string[] arguments)
    {
        var result = await EtcdctlAsync(arguments);
        return result.ExitCode == 0 ? result : throw new InvalidOperationException($"etcdctl failed:\n{result}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var member in _members)
        {
            await member.DisposeAsync();
            _log?.WriteLine(member.Describe());
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException e)
        {
            _log?.WriteLine($"could not delete {Directory}: {e.Message}");
        }
    }

    private EtcdMember AddMember(string name, IEnumerable<string> arguments, (int Client, int Peer) ports)
    {
        if (_members.Any(m => m.Name == name))
        {
            throw new ArgumentException($"the cluster already has a member named {name}", nameof(name));
        }

        var member = new EtcdMember(name, Path.Combine(Directory, name), ports.Client, ports.Peer, arguments, Tls);
        _members.Add(member);
        return member;
    }
}
