namespace Keelson.Server;

/// <summary>How <c>keelson server</c> was started; bound from the command line.</summary>
public sealed class ServerOptions
{
    /// <summary>Folder of the SQLite database, the hosted payloads and the generated admin token.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>Where the data lives; null for <c>keelson.db</c> (SQLite) in <see cref="DataDirectory"/>.</summary>
    public Storage.DatabaseLocation? Database { get; set; }

    /// <summary>Addresses to listen on; port 0 picks a free port.</summary>
    public IList<Uri> Listen { get; } = [];

    /// <summary>The address the server listens on when none is given (https when <see cref="Tls"/> is set).</summary>
    public static readonly Uri DefaultListen = new("http://127.0.0.1:8080");

    /// <summary>HTTPS: the certificate and key served (reloaded when they change), and the CA of required client certificates.</summary>
    public Keelson.Tls.ServerTlsSettings? Tls { get; set; }

    /// <summary>
    /// Reverse proxies (nginx in front of several replicas) whose <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c>
    /// are believed; a request from any other peer is recorded with its own address, whatever headers it sends.
    /// </summary>
    public IList<System.Net.IPNetwork> TrustedProxies { get; } = [];

    /// <summary>Base URL machines reach the server at (codebases point under it); default the first listen address.</summary>
    public Uri? PublicUrl { get; set; }

    /// <summary>
    /// The built-in admin token; when null it is read from <see cref="AdminTokenFile"/>, else from or generated into
    /// DATA/admin-token. At least 32 characters of some variety (<see cref="Server.AdminToken.Weakness"/>).
    /// </summary>
    public string? AdminToken { get; set; }

    /// <summary>A file holding the built-in admin token, readable by the server's user alone (mode 0600).</summary>
    public string? AdminTokenFile { get; set; }

    /// <summary>Which machines' reports may move a rollout; see <see cref="Trust.MachineTrust"/>.</summary>
    public Trust.MachineTrustMode MachineTrust { get; set; } = Trust.MachineTrustMode.Any;

    /// <summary>The largest payload an upload may carry.</summary>
    public long MaxPayloadBytes { get; set; } = 16L << 30;

    /// <summary>Instances not seen for this long are pruned with their history.</summary>
    public TimeSpan InstanceRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// How often machines not seen for <see cref="InstanceRetention"/> are pruned, the first time at start-up;
    /// <see cref="Timeout.InfiniteTimeSpan"/> for never on a schedule (a caller runs <c>InstancePruner.PruneAsync</c>).
    /// </summary>
    public TimeSpan PruneEvery { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// The most machines one pruning transaction deletes, with their history; fewer when a transaction takes longer
    /// than <see cref="PruneBatchTime"/>.
    /// </summary>
    public int PruneBatchSize { get; set; } = 500;

    /// <summary>
    /// How long one pruning transaction should hold the writer: the number of machines it deletes is sized to it from
    /// the transaction before, so that checks keep answering while a large fleet is pruned, whatever the disk.
    /// </summary>
    public TimeSpan PruneBatchTime { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// The shortest wait between two pruning transactions, leaving the writer to the checks; pruning also waits at
    /// least as long as its last transaction took, so that it never holds the writer more than half of the time.
    /// </summary>
    public TimeSpan PrunePause { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>How often the machines per version and status are sampled for the dashboard's charts.</summary>
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Limits against floods from clients without credentials (per address rates, caps); see <see cref="ServerLimits"/>.</summary>
    public ServerLimits Limits { get; } = new();

    /// <summary>How often the dashboard's live pages look for a change in the fleet.</summary>
    public TimeSpan LiveInterval { get; set; } = TimeSpan.FromMilliseconds(500);
}
