using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Keelson.IntegrationTests.Harness;

/// <summary>
/// One etcd 3.4 member of an <see cref="EtcdCluster"/>: its own data folder, a client and a peer URL on loopback
/// ports, and the arguments it is (re)started with. etcd logs JSON lines (zap) to stderr, collected in
/// <see cref="Log"/>. Killing it is SIGKILL; restarting it reuses its data folder, as a reboot would.
/// </summary>
public sealed class EtcdMember : IAsyncDisposable
{
    /// <summary>The etcd binary: $KEELSON_ETCD, else the one Debian's etcd-server installs, else etcd on PATH.</summary>
    public static readonly string Program = Environment.GetEnvironmentVariable("KEELSON_ETCD") is { Length: > 0 } path
        ? path
        : File.Exists("/usr/bin/etcd") ? "/usr/bin/etcd" : "etcd";

    private static readonly HttpClient s_http = new() { Timeout = TimeSpan.FromSeconds(5) };

    private readonly List<RunningProcess> _runs = [];
    private readonly HttpClient _http;

    internal EtcdMember(string name, string dataDirectory, int clientPort, int peerPort, IEnumerable<string> arguments, TlsFiles? tls = null)
    {
        Name = name;
        DataDirectory = dataDirectory;
        Tls = tls;
        ClientUrl = new Uri($"{(tls is null ? "http" : "https")}://127.0.0.1:{clientPort}");
        PeerUrl = new Uri($"http://127.0.0.1:{peerPort}");
        Arguments =
        [
            "--name", name,
            "--data-dir", dataDirectory,
            "--listen-client-urls", Address(ClientUrl),
            "--advertise-client-urls", Address(ClientUrl),
            "--listen-peer-urls", Address(PeerUrl),
            "--initial-advertise-peer-urls", Address(PeerUrl),
            "--logger", "zap",
            "--log-outputs", "stderr",
            .. tls is null
                ? Array.Empty<string>()
                : ["--cert-file", tls.CertFile, "--key-file", tls.KeyFile, "--trusted-ca-file", tls.CaFile, "--client-cert-auth"],
            .. arguments,
        ];
        _http = tls is null ? s_http : tls.CreateHttpClient();
    }

    public string Name { get; }

    public string DataDirectory { get; }

    /// <summary>Where clients talk to it, e.g. http://127.0.0.1:40123 (no trailing slash in <see cref="Address"/>).</summary>
    public Uri ClientUrl { get; }

    public Uri PeerUrl { get; }

    /// <summary>The certificates of a member that serves clients over TLS only and asks them for a certificate; null for plain http.</summary>
    public TlsFiles? Tls { get; }

    /// <summary>Everything it is started with.</summary>
    public IReadOnlyList<string> Arguments { get; }

    /// <summary>The current run; null before the first start and after a kill.</summary>
    public RunningProcess? Process { get; private set; }

    public bool IsRunning => Process is { HasExited: false };

    /// <summary>What the current (else the last) run logged.</summary>
    public string Log => (Process ?? _runs.LastOrDefault())?.StandardError ?? "";

    /// <summary><c>NAME=PEER_URL</c>, as <c>--initial-cluster</c> and the discovery value carry it.</summary>
    public string InitialClusterEntry => $"{Name}={Address(PeerUrl)}";

    /// <summary>A URL without the trailing slash <see cref="Uri.ToString"/> adds: etcd compares URLs as text.</summary>
    public static string Address(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return url.GetLeftPart(UriPartial.Authority);
    }

    /// <summary>Starts etcd with <see cref="Arguments"/>; the environment's ETCD_* variables (which etcd reads as flags) are removed.</summary>
    public RunningProcess Start()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"etcd member {Name} is already running");
        }

        var start = ProcessRunner.Describe(Program, Arguments, Path.GetDirectoryName(DataDirectory));
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("ETCD", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        var process = ProcessRunner.Start(start);
        _runs.Add(process);
        Process = process;
        return process;
    }

    /// <summary>SIGKILL: no chance to flush or say goodbye to its peers.</summary>
    public async Task KillAsync()
    {
        if (Process is { } process)
        {
            await process.DisposeAsync();
            Process = null;
        }
    }

    /// <summary>Kills it and starts it again on the same data folder, ports and arguments.</summary>
    public async Task<RunningProcess> RestartAsync()
    {
        await KillAsync();
        return Start();
    }

    /// <summary>Polls <c>/health</c> until it answers <c>{"health":"true"}</c>; fails at once when the process exits.</summary>
    public async Task WaitUntilHealthyAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var last = "no answer yet";
        while (clock.Elapsed < timeout)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (Process is not { } process || process.HasExited)
            {
                throw new InvalidOperationException($"etcd member {Name} is not running:\n{Describe()}");
            }

            try
            {
                using var response = await _http.GetAsync(new Uri(ClientUrl, "/health"), cancellationToken);
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                if (response.IsSuccessStatusCode && body.Contains("\"health\":\"true\"", StringComparison.Ordinal))
                {
                    return;
                }

                last = $"{(int)response.StatusCode} {body}";
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                last = "no answer within 5s";
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }

        throw new TimeoutException($"etcd member {Name} was not healthy within {timeout.TotalSeconds:0}s (last: {last}):\n{Describe()}");
    }

    /// <summary>Waits for the current run to end; fails past <paramref name="timeout"/>.</summary>
    public async Task<ProcessResult> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var process = Process ?? throw new InvalidOperationException($"etcd member {Name} was not started");
        return await process.WaitForExitAsync(timeout, cancellationToken)
            ? process.Result()
            : throw new TimeoutException($"etcd member {Name} still runs after {timeout.TotalSeconds:0}s:\n{Describe()}");
    }

    /// <summary>The command and the end of its log, for failure messages.</summary>
    public string Describe()
    {
        var process = Process ?? _runs.LastOrDefault();
        if (process is null)
        {
            return $"etcd member {Name} (never started)";
        }

        var state = process.HasExited ? $"exit {process.Result().ExitCode}" : "running";
        var log = process.StandardError;
        return $"$ {process.CommandLine}\n({state})\n--- log (end) ---\n{(log.Length <= 6000 ? log : "..." + log[^6000..])}";
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var run in _runs)
        {
            await run.DisposeAsync();
        }

        Process = null;
        if (_http != s_http)
        {
            _http.Dispose();
        }
    }

    /// <summary>
    /// PEM files for a TLS member: a CA, the member's certificate (for 127.0.0.1 and localhost) signed by it, and a
    /// client certificate signed by it, which the harness's health checks and etcdctl present.
    /// </summary>
    public sealed record TlsFiles(string CaFile, string CertFile, string KeyFile, string ClientCertFile, string ClientKeyFile)
    {
        /// <summary>Makes a new CA, server and client certificate (ECDSA P-256, valid for a day) as PEM files in <paramref name="directory"/>.</summary>
        public static TlsFiles Create(string directory)
        {
            System.IO.Directory.CreateDirectory(directory);
            using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var caRequest = new CertificateRequest("CN=Keelson test CA", caKey, HashAlgorithmName.SHA256);
            caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
            var now = DateTimeOffset.UtcNow;
            using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

            var files = new TlsFiles(
                Path.Combine(directory, "ca.pem"), Path.Combine(directory, "server.pem"), Path.Combine(directory, "server-key.pem"),
                Path.Combine(directory, "client.pem"), Path.Combine(directory, "client-key.pem"));
            File.WriteAllText(files.CaFile, ca.ExportCertificatePem());
            Issue(ca, "CN=etcd", server: true, files.CertFile, files.KeyFile);
            Issue(ca, "CN=client", server: false, files.ClientCertFile, files.ClientKeyFile);
            return files;
        }

        /// <summary>An HTTP client that trusts only this CA and presents the client certificate.</summary>
        public HttpClient CreateHttpClient()
        {
            var trusted = new X509Certificate2Collection();
            trusted.ImportFromPemFile(CaFile);
            var handler = new SocketsHttpHandler();
            handler.SslOptions.ClientCertificates = [X509Certificate2.CreateFromPemFile(ClientCertFile, ClientKeyFile)];
            handler.SslOptions.CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
            };
            handler.SslOptions.CertificateChainPolicy.CustomTrustStore.AddRange(trusted);
            return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
        }

        private static void Issue(X509Certificate2 ca, string subject, bool server, string certFile, string keyFile)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
                [Oid.FromOidValue(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2", OidGroup.EnhancedKeyUsage)], false));
            if (server)
            {
                var names = new SubjectAlternativeNameBuilder();
                names.AddIpAddress(IPAddress.Loopback);
                names.AddDnsName("localhost");
                request.CertificateExtensions.Add(names.Build());
            }

            var serial = new byte[16];
            RandomNumberGenerator.Fill(serial);
            serial[0] &= 0x7f;
            // Exactly the CA's validity: a leaf's own "now + 1 day" could fall a second past the CA's (a CI failure).
            using var issued = request.Create(ca, new DateTimeOffset(ca.NotBefore), new DateTimeOffset(ca.NotAfter), serial);
            File.WriteAllText(certFile, issued.ExportCertificatePem());
            File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        }
    }
}
