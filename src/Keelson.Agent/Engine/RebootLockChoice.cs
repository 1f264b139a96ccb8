using Keelson.Agent.Configuration;
using Keelson.Coordination.Etcd;
using Keelson.Coordination.FleetLock;
using Keelson.Coordination.Locks;
using Keelson.Tls;

namespace Keelson.Agent.Engine;

/// <summary>
/// The lock a reboot needs under the configured strategy, with the reason for the choice (shown in
/// <c>keelson agent status</c>). <c>best-effort</c> becomes <c>etcd-lock</c> when the machine is part of a cluster
/// - an etcd endpoint is configured, or one answers on the local default address - and <c>reboot</c> otherwise.
/// </summary>
public sealed class RebootLockChoice : IDisposable
{
    private static readonly TimeSpan s_probeTimeout = TimeSpan.FromSeconds(2);

    private readonly IDisposable? _owned;

    private RebootLockChoice(RebootStrategy strategy, IRebootLock? rebootLock, string why, IDisposable? owned)
    {
        Strategy = strategy;
        Lock = rebootLock;
        Why = why;
        _owned = owned;
    }

    /// <summary>The strategy in effect (never <see cref="RebootStrategy.BestEffort"/>).</summary>
    public RebootStrategy Strategy { get; }

    public IRebootLock? Lock { get; }

    public string Why { get; }

    /// <param name="localEtcd">Where best-effort looks for this machine's own etcd: <see cref="EtcdSettings.DefaultEndpoint"/> unless told.</param>
    /// <param name="tls">The TLS settings <paramref name="http"/> was made with, for the FleetLock client's messages.</param>
    public static async Task<RebootLockChoice> ChooseAsync(UpdateConfig config, HttpClient http, CancellationToken cancellationToken, Uri? localEtcd = null, ClientTls? tls = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        localEtcd ??= EtcdSettings.DefaultEndpoint;
        var locks = config.Locks;
        switch (config.RebootStrategy)
        {
            case RebootStrategy.Reboot or RebootStrategy.Off:
                return new RebootLockChoice(config.RebootStrategy, null, $"REBOOT_STRATEGY={config.RebootStrategy.Name()}", null);
            case RebootStrategy.FleetLock:
                return new RebootLockChoice(RebootStrategy.FleetLock, new FleetLockClient(http, locks.FleetLockUrl!, locks.FleetLockGroup, tls), "REBOOT_STRATEGY=fleetlock", null);
            case RebootStrategy.EtcdLock:
                return Etcd(locks.Etcd!, locks.EtcdGroup, "REBOOT_STRATEGY=etcd-lock");
        }

        if (locks.Etcd is { } configured)
        {
            return Etcd(configured, locks.EtcdGroup, "best-effort: etcd-lock, because LOCKSMITHD_ENDPOINT is set");
        }

        var local = new EtcdSettings([localEtcd]) { CallTimeout = s_probeTimeout };
        var connection = EtcdConnection.Create(local);
        try
        {
            await connection.GetAsync(EtcdSemaphore.KeyFor(locks.EtcdGroup), cancellationToken);
            var semaphore = new EtcdSemaphore(connection, locks.EtcdGroup);
            return new RebootLockChoice(RebootStrategy.EtcdLock, semaphore, $"best-effort: etcd-lock, because etcd answers at {localEtcd}", connection);
        }
        catch (RebootLockException)
        {
            connection.Dispose();
            return new RebootLockChoice(RebootStrategy.Reboot, null, $"best-effort: reboot, because no etcd endpoint is configured and none answers at {localEtcd}", null);
        }
    }

    private static RebootLockChoice Etcd(EtcdSettings settings, string group, string why)
    {
        var connection = EtcdConnection.Create(settings);
        return new RebootLockChoice(RebootStrategy.EtcdLock, new EtcdSemaphore(connection, group), why, connection);
    }

    public void Dispose() => _owned?.Dispose();
}
