namespace Keelson.Discovery;

/// <summary>How <c>keelson discovery serve</c> was started; bound from the command line.</summary>
public sealed class DiscoveryOptions
{
    /// <summary>The address a service listens on when none is given.</summary>
    public static readonly Uri DefaultListen = new("http://127.0.0.1:8087");

    /// <summary>Addresses to listen on; port 0 picks a free port.</summary>
    public IList<Uri> Listen { get; } = [];

    /// <summary>HTTPS: the certificate and key served (reloaded when they change), and the CA of required client certificates.</summary>
    public Keelson.Tls.ServerTlsSettings? Tls { get; set; }

    /// <summary>
    /// Base URL that <c>/new</c> puts in front of a token; default the scheme and host the request came in on.
    /// </summary>
    public Uri? PublicUrl { get; set; }

    public StoreLocation Store { get; set; } = StoreLocation.DefaultSqlite;

    /// <summary>Key prefix of the etcd store, so that one etcd cluster can hold other data beside the tokens.</summary>
    public string EtcdPrefix { get; set; } = "keelson/discovery/";

    /// <summary>Tokens created longer ago than this are deleted with their members (discovery.etcd.io keeps a week).</summary>
    public TimeSpan TokenMaxAge { get; set; } = TimeSpan.FromDays(7);

    /// <summary>The longest collection interval a timer can wait (2^32 - 2 ms, about 49 days).</summary>
    public static readonly TimeSpan MaxCollectionInterval = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    /// <summary>How often old tokens are looked for.</summary>
    public TimeSpan CollectionInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How long a watch (<c>wait=true</c>) is held when nothing changes; it then ends with an empty 200 and the
    /// member asks again, so that no proxy or load balancer on the way cuts the request first.
    /// </summary>
    public TimeSpan WatchTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How often a held watch asks a shared store (etcd) for changes made through other replicas; changes made
    /// through this replica wake it at once.
    /// </summary>
    public TimeSpan StorePollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Registrations accepted beyond a token's size. Members that start together may all register before any sees
    /// the cluster full; etcd sorts them by index and the extra ones fall back to proxy (or exit), so they must be
    /// able to register. Past <c>size + ExtraMembers</c> a registration is refused.
    /// </summary>
    public int ExtraMembers { get; set; } = 64;

    /// <summary>Requests to the token routes (<c>/TOKEN...</c>) a minute from one address; 0: no limit.</summary>
    public int RequestsPerMinute { get; set; } = 1200;

    /// <summary>Tokens created (<c>/new</c>) a minute from one address; 0: no limit.</summary>
    public int NewTokensPerMinute { get; set; } = 30;

    /// <summary>Connections open at once (each waiting member holds one); 0: no cap.</summary>
    public int MaxConnections { get; set; } = 10_000;

    /// <summary>Reverse proxies whose <c>X-Forwarded-For</c> names the client (for per-address limits and logs).</summary>
    public IList<System.Net.IPNetwork> TrustedProxies { get; } = [];

    public Keelson.Limits.RateLimit Requests => new("discovery-requests", "requests to tokens", "--limit-requests", RequestsPerMinute);

    public Keelson.Limits.RateLimit NewTokens => new("new-tokens", "new tokens", "--limit-new-tokens", NewTokensPerMinute);

    public Keelson.Limits.Cap Connections => new("connections", "connections open at once", "--limit-connections", MaxConnections);

    /// <summary>Fails fast on values the service cannot run with.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Store);
        if (TokenMaxAge <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(TokenMaxAge), TokenMaxAge, "the token age limit must be positive");
        }

        if (CollectionInterval <= TimeSpan.Zero || CollectionInterval > MaxCollectionInterval)
        {
            throw new ArgumentOutOfRangeException(nameof(CollectionInterval), CollectionInterval, $"the collection interval must be positive and at most {MaxCollectionInterval}");
        }

        if (WatchTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(WatchTimeout), WatchTimeout, "the watch timeout must be positive");
        }

        if (StorePollInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(StorePollInterval), StorePollInterval, "the store poll interval must be positive");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(ExtraMembers);
        ArgumentOutOfRangeException.ThrowIfNegative(RequestsPerMinute);
        ArgumentOutOfRangeException.ThrowIfNegative(NewTokensPerMinute);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxConnections);
        if (PublicUrl is { } url && (!url.IsAbsoluteUri || url.Scheme is not ("http" or "https")))
        {
            throw new ArgumentException($"the public URL '{url}' is not an absolute http(s) URL", nameof(PublicUrl));
        }

        if (Store.Kind == StoreKind.Etcd && (EtcdPrefix.Length == 0 || !EtcdPrefix.EndsWith('/')))
        {
            throw new ArgumentException($"the etcd prefix '{EtcdPrefix}' must end with '/'", nameof(EtcdPrefix));
        }
    }
}
