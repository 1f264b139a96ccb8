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
    private static readonly TimeSpan s_maxReconnectDelay = TimeSpan.FromSeconds(5);

    private readonly NpgsqlConnectionStringBuilder _settings;
    private readonly NpgsqlDataSource _dataSource;
    private readonly ChangeSignals _signals;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _listener = Task.CompletedTask;

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
            store._listener = store.ListenAsync(store._stopping.Token);
            // A change made right after start-up must wake a watch: listen before serving.
            await store._listening.Task.WaitAsync(cancellationToken);
            return store;
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
        _stopping.Cancel();
        _listener.Wait(TimeSpan.FromSeconds(5));
        _stopping.Dispose();
        _dataSource.Dispose();
    }

    private DiscoveryStoreException Wrap(NpgsqlException e) =>
        PostgresFailure.IsConnectionFailure(e)
            ? new(PostgresFailure.Describe(_settings, e), isTransient: true, e)
            : new($"the discovery database {Description} failed: {e.Message}", isTransient: e.IsTransient, e);

    // One connection kept for LISTEN; when it drops, it is opened again (with a growing delay), and every held
    // watch reads the store again, since notifications sent meanwhile are lost.
    private async Task ListenAsync(CancellationToken stopping)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        var listener = new NpgsqlConnectionStringBuilder(_settings.ConnectionString) { Pooling = false, KeepAlive = 10 };
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(listener.ConnectionString);
                connection.Notification += (_, e) => _signals.Raise(e.Payload);
                await connection.OpenAsync(stopping);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stopping);
                }

                if (!_listening.TrySetResult())
                {
                    LogListenerRestored(Logger, Description);
                }

                _signals.RaiseAll();
                delay = TimeSpan.FromMilliseconds(100);
                while (true)
                {
                    await connection.WaitAsync(stopping);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
            {
                if (!_listening.Task.IsCompleted)
                {
                    _listening.TrySetException(new DiscoveryStoreException(PostgresFailure.Describe(_settings, e), isTransient: true, e));
                    return;
                }

                LogListenerLost(Logger, e, PostgresFailure.Describe(_settings, e), delay);

                try
                {
                    // The real clock: a reconnect waits on the network, not on the service's (possibly simulated) time.
                    await Task.Delay(delay, stopping);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, s_maxReconnectDelay.Ticks));
            }
        }
    }

    [LoggerMessage(EventId = DiscoveryEventIds.ListenerLost, Level = LogLevel.Warning,
        Message = "Lost the connection that hears other replicas' changes ({Reason}); reconnecting in {Delay}")]
    private static partial void LogListenerLost(ILogger logger, Exception exception, string reason, TimeSpan delay);

    [LoggerMessage(EventId = DiscoveryEventIds.ListenerRestored, Level = LogLevel.Information,
        Message = "Hearing other replicas' changes again through {Database}; held watches read the store again")]
    private static partial void LogListenerRestored(ILogger logger, string database);
}
