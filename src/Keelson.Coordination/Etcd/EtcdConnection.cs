using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Keelson.Coordination.Locks;

namespace Keelson.Coordination.Etcd;

/// <summary>
/// A client of one etcd v3 cluster, made from <see cref="EtcdSettings"/>: plain <c>http</c> members, <c>https</c>
/// members trusted through a CA file (and shown a client certificate when one is set), and etcd's password
/// authentication. Every call has a deadline (<see cref="EtcdSettings.CallTimeout"/>) and goes to the member that
/// answered last; a member that cannot be reached in time is skipped for the next one, and when none can be the call
/// fails with a <see cref="RebootLockException"/> that names the endpoints. Any other failure (refused credentials,
/// denied permission, a rejected request) is a <see cref="RebootLockException"/> naming the member and etcd's reason.
/// Thread-safe; dispose it to close its connections.
/// </summary>
public sealed class EtcdConnection : IDisposable
{
    private readonly Member[] _members;
    private readonly string? _username;
    private readonly string _password;
    private readonly TimeSpan _callTimeout;
    private readonly SemaphoreSlim _authenticating = new(1, 1);
    private readonly IReadOnlyList<X509Certificate2> _certificates;

    // Null until the first authentication; then the token (Value null when the cluster has auth disabled).
    private volatile AuthToken? _token;
    private int _current;

    private EtcdConnection(Member[] members, string? username, string password, TimeSpan callTimeout, IReadOnlyList<X509Certificate2> certificates)
    {
        _members = members;
        _certificates = certificates;
        _username = username;
        _password = password;
        _callTimeout = callTimeout;
        Endpoints = [.. members.Select(m => m.Endpoint)];
        Describe = $"etcd at {string.Join(',', members.Select(m => m.Address))}";
    }

    /// <summary>The members' client URLs, in the order they were given.</summary>
    public IReadOnlyList<Uri> Endpoints { get; }

    /// <summary>Where this connection goes, for messages and logs: <c>etcd at http://10.0.0.1:2379,http://10.0.0.2:2379</c>.</summary>
    public string Describe { get; }

    /// <summary>
    /// Checks <paramref name="settings"/> and loads the CA, certificate and key files; nothing is sent until the first call.
    /// </summary>
    /// <exception cref="RebootLockException">An endpoint is not an http(s) URL, or a file is missing, unreadable or not PEM; the message names it.</exception>
    public static EtcdConnection Create(EtcdSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Endpoints is not { Count: > 0 })
        {
            throw new RebootLockException("no etcd endpoint was given");
        }

        foreach (var endpoint in settings.Endpoints)
        {
            if (endpoint is not { IsAbsoluteUri: true } || endpoint.Scheme is not ("http" or "https") || endpoint.Host.Length == 0)
            {
                throw new RebootLockException($"'{endpoint}' is not an etcd endpoint: expected http://HOST:PORT or https://HOST:PORT");
            }
        }

        if (settings.CallTimeout <= TimeSpan.Zero)
        {
            throw new RebootLockException($"the etcd call timeout must be positive, not {settings.CallTimeout}");
        }

        if (settings.Username is null && settings.Password is not null)
        {
            throw new RebootLockException("an etcd password was given without a user name");
        }

        var trusted = settings.CaFile is { } caFile ? LoadCa(caFile) : null;
        var clientCertificate = LoadClientCertificate(settings.CertFile, settings.KeyFile);
        var members = settings.Endpoints.Select(e => Open(e, trusted, clientCertificate, settings.CallTimeout)).ToArray();
        IReadOnlyList<X509Certificate2> certificates = [.. trusted ?? [], .. clientCertificate is null ? [] : new[] { clientCertificate }];
        return new EtcdConnection(
            members, settings.Username is { Length: > 0 } user ? user : null, settings.Password ?? "", settings.CallTimeout, certificates);
    }

    /// <summary>One etcd transaction (compares, then the success or the failure operations), atomic on the cluster.</summary>
    /// <exception cref="RebootLockException">No member could be reached, or etcd refused the call.</exception>
    public Task<TxnResponse> TransactionAsync(TxnRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return CallAsync((client, headers, deadline) => client.TransactionAsync(request, headers, deadline, cancellationToken), cancellationToken);
    }

    /// <summary>Reads one key (linearizable); <see cref="RangeResponse.Kvs"/> is empty when the key does not exist.</summary>
    /// <exception cref="RebootLockException">No member could be reached, or etcd refused the call.</exception>
    public Task<RangeResponse> GetAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        var request = new RangeRequest { Key = ByteString.CopyFromUtf8(key) };
        return CallAsync((client, headers, deadline) => client.GetAsync(request, headers, deadline, cancellationToken), cancellationToken);
    }

    /// <summary>How many keys start with <paramref name="prefix"/> (counted by etcd; no value is sent).</summary>
    /// <exception cref="RebootLockException">No member could be reached, or etcd refused the call.</exception>
    public async Task<long> CountPrefixAsync(string prefix, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        var start = System.Text.Encoding.UTF8.GetBytes(prefix);
        var end = (byte[])start.Clone();
        // The range end is the prefix with its last byte raised by one: every key that starts with the prefix sorts before it.
        end[^1]++;
        var request = new RangeRequest { Key = ByteString.CopyFrom(start), RangeEnd = ByteString.CopyFrom(end), CountOnly = true };
        var response = await CallAsync((client, headers, deadline) => client.GetAsync(request, headers, deadline, cancellationToken), cancellationToken);
        return response.Count;
    }

    public void Dispose()
    {
        foreach (var member in _members)
        {
            member.Client.Dispose();
            member.Channel.Dispose();
        }

        foreach (var certificate in _certificates)
        {
            certificate.Dispose();
        }

        _authenticating.Dispose();
    }

    private async Task<T> CallAsync<T>(Func<EtcdClient, Metadata?, DateTime, Task<T>> call, CancellationToken cancellationToken)
    {
        var failures = new List<string>();
        var transient = true;
        RpcException? last = null;
        var first = Volatile.Read(ref _current);
        for (var i = 0; i < _members.Length; i++)
        {
            var index = (first + i) % _members.Length;
            var member = _members[index];
            try
            {
                var result = await CallMemberAsync(member, call, cancellationToken);
                Volatile.Write(ref _current, index);
                return result;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException("the etcd call was cancelled", e, cancellationToken);
            }
            catch (RpcException e) when (IsUnreachable(e))
            {
                // The next member may answer; a compare-and-swap retried there is still a compare-and-swap.
                failures.Add(_members.Length == 1 ? Reason(member, e) : $"{member.Address}: {Reason(member, e)}");
                transient &= !IsTlsFailure(member, e);
                last = e;
            }
            catch (RpcException e)
            {
                throw new RebootLockException(Failure(member, e), e);
            }
        }

        throw new RebootLockException($"{Describe} is unreachable ({string.Join("; ", failures)})", last, transient);
    }

    /// <summary>
    /// The member answered, but the TLS handshake (or the client certificate, which TLS 1.3 refuses after it) failed:
    /// a matter of settings, which asking again does not change.
    /// </summary>
    private static bool IsTlsFailure(Member member, RpcException e) =>
        Find<AuthenticationException>(e) is not null || (member.Endpoint.Scheme == "https" && Find<IOException>(e) is not null && Find<SocketException>(e) is null);

    private async Task<T> CallMemberAsync<T>(Member member, Func<EtcdClient, Metadata?, DateTime, Task<T>> call, CancellationToken cancellationToken)
    {
        var token = await TokenAsync(member, stale: null, cancellationToken);
        try
        {
            return await call(member.Client, Headers(token), Deadline());
        }
        catch (RpcException e) when (_username is not null && IsStaleToken(e))
        {
            // Tokens expire (simple tokens after --auth-token-ttl) and die with any change to users or roles: get a new one, once.
            token = await TokenAsync(member, token, cancellationToken);
            return await call(member.Client, Headers(token), Deadline());
        }
    }

    /// <summary>The current token, or a new one when there is none yet or <paramref name="stale"/> was rejected.</summary>
    private async Task<AuthToken?> TokenAsync(Member member, AuthToken? stale, CancellationToken cancellationToken)
    {
        if (_username is null)
        {
            return null;
        }

        var current = _token;
        if (current is not null && !ReferenceEquals(current, stale))
        {
            return current;
        }

        await _authenticating.WaitAsync(cancellationToken);
        try
        {
            current = _token;
            if (current is not null && !ReferenceEquals(current, stale))
            {
                return current;
            }

            try
            {
                var response = await member.Client.AuthenticateAsync(
                    new AuthenticateRequest { Name = _username, Password = _password }, deadline: Deadline(), cancellationToken: cancellationToken);
                current = new AuthToken(response.Token);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition && e.Status.Detail.Contains("authentication is not enabled", StringComparison.Ordinal))
            {
                // As etcd's own client does: credentials for a cluster without auth are not an error.
                current = new AuthToken(null);
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.InvalidArgument or StatusCode.PermissionDenied or StatusCode.Unauthenticated)
            {
                throw new RebootLockException($"etcd at {member.Address} refused the user name and password of '{_username}': {Detail(e)}", e);
            }

            _token = current;
            return current;
        }
        finally
        {
            _authenticating.Release();
        }
    }

    private DateTime Deadline() => DateTime.UtcNow + _callTimeout;

    private static Metadata? Headers(AuthToken? token) => token?.Value is { } value ? new Metadata { { "token", value } } : null;

    /// <summary>
    /// The member could not be reached: no connection, no TLS, no answer in time. The call did not start, or its
    /// outcome is unknown; the next member may do better.
    /// </summary>
    private static bool IsUnreachable(RpcException e) =>
        e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded || Find<HttpRequestException>(e) is not null;

    private static bool IsStaleToken(RpcException e) =>
        e.StatusCode == StatusCode.Unauthenticated
        || e.Status.Detail.Contains("revision of auth store is old", StringComparison.Ordinal)
        // A cluster that had auth disabled when the token was asked for, and has it enabled now.
        || e.Status.Detail.Contains("user name is empty", StringComparison.Ordinal);

    private string Reason(Member member, RpcException e)
    {
        if (e.StatusCode == StatusCode.DeadlineExceeded)
        {
            return $"no answer within {_callTimeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)}s";
        }

        if (Find<AuthenticationException>(e) is { } tls)
        {
            return $"the TLS handshake failed: {tls.Message}";
        }

        if (Find<SocketException>(e) is { } socket)
        {
            return socket.Message;
        }

        if (Find<IOException>(e) is { } io)
        {
            // TLS 1.3 lets a member refuse the client's certificate only after the handshake: the connection just closes.
            return member.Endpoint.Scheme == "https"
                ? $"{io.Message.TrimEnd('.')}; a member started with --client-cert-auth does this when the client shows no certificate signed by its CA"
                : io.Message;
        }

        return Detail(e);
    }

    /// <summary>The outermost exception of type <typeparamref name="T"/> under the call's failure, which says best what went wrong.</summary>
    private static T? Find<T>(RpcException e)
        where T : Exception
    {
        for (var inner = e.Status.DebugException; inner is not null; inner = inner.InnerException)
        {
            if (inner is T found)
            {
                return found;
            }
        }

        return null;
    }

    private string Failure(Member member, RpcException e) => e.StatusCode switch
    {
        StatusCode.PermissionDenied => $"etcd at {member.Address} denied {(_username is null ? "access" : $"user '{_username}' access")}: {Detail(e)}",
        _ when e.Status.Detail.Contains("user name is empty", StringComparison.Ordinal) =>
            $"etcd at {member.Address} requires authentication: give an etcd user name and password ({Detail(e)})",
        _ => $"etcd at {member.Address} failed: {e.StatusCode}: {Detail(e)}",
    };

    private static string Detail(RpcException e) => e.Status.Detail is { Length: > 0 } detail ? detail : e.StatusCode.ToString();

    private static X509Certificate2Collection LoadCa(string path)
    {
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPemFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new RebootLockException($"cannot read the etcd CA file '{path}': {e.Message}", e);
        }

        return certificates.Count > 0
            ? certificates
            : throw new RebootLockException($"the etcd CA file '{path}' holds no PEM certificate");
    }

    private static X509Certificate2? LoadClientCertificate(string? certFile, string? keyFile)
    {
        if (certFile is null && keyFile is null)
        {
            return null;
        }

        if (certFile is null || keyFile is null)
        {
            throw new RebootLockException(certFile is null
                ? $"the etcd client key file '{keyFile}' was given without its certificate file"
                : $"the etcd client certificate file '{certFile}' was given without its key file");
        }

        foreach (var path in new[] { certFile, keyFile })
        {
            if (!File.Exists(path))
            {
                throw new RebootLockException($"the etcd client {(path == certFile ? "certificate" : "key")} file '{path}' does not exist");
            }
        }

        try
        {
            return X509Certificate2.CreateFromPemFile(certFile, keyFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new RebootLockException($"cannot load the etcd client certificate '{certFile}' with the key '{keyFile}': {e.Message}", e);
        }
    }

    private static Member Open(Uri endpoint, X509Certificate2Collection? trusted, X509Certificate2? clientCertificate, TimeSpan callTimeout)
    {
        var address = endpoint.GetLeftPart(UriPartial.Authority);
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = callTimeout,
            // etcd is reached directly; an HTTP proxy from the environment would only be in the way.
            UseProxy = false,
            EnableMultipleHttp2Connections = true,
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
        };
        if (endpoint.Scheme == "https")
        {
            var ssl = new SslClientAuthenticationOptions();
            if (trusted is not null)
            {
                // The CA file is the only root: a certificate the system trusts but that CA did not sign is refused.
                ssl.CertificateChainPolicy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    RevocationMode = X509RevocationMode.NoCheck,
                };
                ssl.CertificateChainPolicy.CustomTrustStore.AddRange(trusted);
            }

            if (clientCertificate is not null)
            {
                ssl.ClientCertificates = [clientCertificate];
            }

            handler.SslOptions = ssl;
        }

        var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
        return new Member(new Uri(address), address, channel, new EtcdClient(channel.CreateCallInvoker()));
    }

    private sealed record Member(Uri Endpoint, string Address, GrpcChannel Channel, EtcdClient Client);

    // A class, compared by reference: "the token that was rejected" must not match a new token with the same text.
    private sealed class AuthToken(string? value)
    {
        public string? Value { get; } = value;
    }
}
