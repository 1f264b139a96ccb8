using System.Data.Common;
using Dapper;
using Keelson.Postgres;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Keelson.Discovery.Storage;

/// <summary>
/// The shared SQL store: one PostgreSQL database, any number of replicas. A change locks its token's row, so two
/// replicas changing one token take turns, and notifies the channel <see cref="Channel"/> with the token; every
/// replica listens on a connection of its own (reconnecting when it drops) and wakes its held watches.
/// </summary>
internal sealed partial class PostgresDiscoveryStore : SqlDiscoveryStore
{
    /// <summary>The notification channel changes are announced on; the payload is the token.</summary>
    public const string Channel = "keelson_discovery_changes";

    // An arbitrary key that names "Keelson discovery migrations" among the database's advisory locks.
    private const long MigrationLockKey = 0x4B65_656C_736F_6E02;

    private readonly NpgsqlConnectionStringBuilder _settings;
    private readonly NpgsqlDataSource _dataSource;
    private readonly ChangeSignals _signals;
    private PostgresListener? _listener;

    private PostgresDiscoveryStore(NpgsqlConnectionStringBuilder settings, ChangeSignals signals)
    {
        _settings = settings;
        _dataSource = new NpgsqlDataSourceBuilder(settings.ConnectionString).Build();
        _signals = signals;
    }

    public override bool IsShared => false;

    /// <summary>Where a lost and restored listening connection is logged; set once the service's logging exists.</summary>
    public ILogger Logger { get; set; } = NullLogger.Instance;

    protected override string LockTokenRow => " FOR UPDATE";

    /// <summary>Where the database is, for messages: never the password.</summary>
    public string Description => PostgresConnectionString.Describe(_settings);

    /// <summary>
    /// Connects, brings the schema up to date (one replica at a time) and starts listening for the changes of
    /// other replicas; <paramref name="signals"/> is woken by them.
    /// </summary>
    public static async Task<PostgresDiscoveryStore> OpenAsync(
        NpgsqlConnectionStringBuilder settings, ChangeSignals signals, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(signals);
        var store = new PostgresDiscoveryStore(new NpgsqlConnectionStringBuilder(settings.ConnectionString), signals);
        try
        {
            await DiscoverySchema.ApplyAsync(
                (work, ct) => store.WriteAsync(
                    async (connection, transaction) =>
                    {
                        await work(connection, transaction);
                        return 0;
                    },
                    ct),
                DiscoverySchema.PostgresMigrationsTable,
                $"SELECT pg_advisory_xact_lock({MigrationLockKey})",
                time,
                cancellationToken);
            // A change made right after start-up must wake a watch: listen before serving. When the listening
            // connection comes back after a loss, every held watch reads the store again: notifications were lost.
            store._listener = await PostgresListener.StartAsync(
                store._settings,
                Channel,
                new PostgresListenerEvents(
                    signals.Raise,
                    restored =>
                    {
                        if (restored)
                        {
                            LogListenerRestored(store.Logger, store.Description);
                            signals.RaiseAll();
                        }
                    },
                    (e, reason, delay) => LogListenerLost(store.Logger, e, reason, delay)),
                cancellationToken);
            return store;
        }
        catch (PostgresUnavailableException e)
        {
            store.Dispose();
            throw new DiscoveryStoreException(e.Message, isTransient: true, e);
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    protected override Task OnChangedAsync(DbConnection connection, DbTransaction transaction, string token) =>
        connection.ExecuteAsync("SELECT pg_notify(@channel, @token)", new { channel = Channel, token }, transaction);

    protected override async Task<T> ReadAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
            // REPEATABLE READ: the queries of one read see one state of the database.
            await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
            return await work(connection, transaction);
        }
        catch (NpgsqlException e)
        {
            throw Wrap(e);
        }
    }

    protected override async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var result = await work(connection, transaction);
            await transaction.CommitAsync(cancellationToken);
            return result;
        }
        catch (NpgsqlException e)
        {
            throw Wrap(e);
        }
    }

    public override void Dispose()
    {
        _listener?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _dataSource.Dispose();
    }

    private DiscoveryStoreException Wrap(NpgsqlException e) =>
        PostgresFailure.IsConnectionFailure(e)
            ? new(PostgresFailure.Describe(_settings, e), isTransient: true, e)
            : new($"the discovery database {Description} failed: {e.Message}", isTransient: e.IsTransient, e);

    [LoggerMessage(EventId = DiscoveryEventIds.ListenerLost, Level = LogLevel.Warning,
        Message = "Lost the connection that hears other replicas' changes ({Reason}); reconnecting in {Delay}")]
    private static partial void LogListenerLost(ILogger logger, Exception exception, string reason, TimeSpan delay);

    [LoggerMessage(EventId = DiscoveryEventIds.ListenerRestored, Level = LogLevel.Information,
        Message = "Hearing other replicas' changes again through {Database}; held watches read the store again")]
    private static partial void LogListenerRestored(ILogger logger, string database);
}
