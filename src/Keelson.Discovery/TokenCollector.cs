using Keelson.Discovery.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Keelson.Discovery;

/// <summary>Deletes tokens older than the configured age, with their members and history, at every interval.</summary>
internal sealed partial class TokenCollector(
    IDiscoveryStore store, ChangeSignals signals, DiscoveryOptions options, TimeProvider time, ILogger<TokenCollector> logger)
    : BackgroundService
{
    /// <summary>Deletes every token created more than the age limit ago; returns how many.</summary>
    public async Task<int> CollectAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow() - options.TokenMaxAge;
        var total = 0;
        while (true)
        {
            var deleted = await store.DeleteTokensCreatedBeforeAsync(cutoff, cancellationToken);
            foreach (var token in deleted)
            {
                // Watches held on it end now instead of at their timeout.
                signals.Raise(token);
            }

            total += deleted.Count;
            if (deleted.Count == 0)
            {
                return total;
            }
        }
    }

    private PeriodicTimer? _timer;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Started with the host, not with the loop (which runs later, on its own): the first tick is one interval
        // after start-up, whatever the clock does in between.
        _timer = new PeriodicTimer(options.CollectionInterval, time);
        return base.StartAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _timer?.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var timer = _timer ?? throw new InvalidOperationException("the collector was not started");
        do
        {
            try
            {
                var collected = await CollectAsync(stoppingToken);
                if (collected > 0)
                {
                    LogCollected(collected, options.TokenMaxAge);
                }
            }
            catch (DiscoveryStoreException e)
            {
                // The store may be back at the next tick; the tokens wait until then.
                LogCollectionFailed(e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(EventId = DiscoveryEventIds.TokensCollected, Level = LogLevel.Information, Message = "Deleted {Count} tokens older than {MaxAge}")]
    private partial void LogCollected(int count, TimeSpan maxAge);

    [LoggerMessage(EventId = DiscoveryEventIds.CollectionFailed, Level = LogLevel.Warning, Message = "Could not delete old tokens")]
    private partial void LogCollectionFailed(Exception exception);
}
