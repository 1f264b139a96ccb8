using Keelson.Postgres;
using Keelson.Server.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Keelson.Server.Updates;

/// <summary>
/// On a PostgreSQL shared by replicas: hears the catalog changes every replica announces when it commits one
/// (<see cref="GroupCache.InvalidateAsync"/>) and makes this replica's <see cref="GroupCache"/> forget, so that a
/// promotion, a pause or a policy change made through one replica is acted on by all of them at once. On SQLite
/// (one process) there is nothing to hear.
/// </summary>
internal sealed partial class CatalogListener(Database database, GroupCache groups, ILogger<CatalogListener> logger) : IHostedService, IAsyncDisposable
{
    private PostgresListener? _listener;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (database.PostgresSettings is not { } settings)
        {
            return;
        }

        try
        {
            _listener = await PostgresListener.StartAsync(
                settings,
                GroupCache.ChangeChannel,
                new PostgresListenerEvents(
                    _ => groups.Invalidate(),
                    restored =>
                    {
                        // Changes announced while the connection was down were not heard.
                        groups.Invalidate();
                        if (restored)
                        {
                            LogRestored(database.Description);
                        }
                    },
                    (e, reason, delay) => LogLost(e, reason, delay)),
                cancellationToken);
        }
        catch (PostgresUnavailableException e)
        {
            throw new DatabaseException(e.Message, isTransient: true, e);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => DisposeAsync().AsTask();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _listener, null) is { } listener)
        {
            await listener.DisposeAsync();
        }
    }

    [LoggerMessage(EventId = ServerEventIds.CatalogListenerLost, Level = LogLevel.Warning,
        Message = "Lost the connection that hears other replicas' catalog changes ({Reason}); reconnecting in {Delay}; meanwhile they reach this replica within a second")]
    private partial void LogLost(Exception exception, string reason, TimeSpan delay);

    [LoggerMessage(EventId = ServerEventIds.CatalogListenerRestored, Level = LogLevel.Information,
        Message = "Hearing other replicas' catalog changes again through {Database}")]
    private partial void LogRestored(string database);
}
