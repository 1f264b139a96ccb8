using Npgsql;

namespace Keelson.Postgres;

/// <summary>
/// Hears one PostgreSQL notification channel (<c>LISTEN</c>) on a connection of its own. When the connection drops
/// it is opened again with a growing delay, and <see cref="PostgresListenerEvents.Listening"/> says so: notifications
/// sent meanwhile are lost, so whoever listens must treat "listening again" as "anything may have changed".
/// </summary>
public sealed class PostgresListener : IAsyncDisposable
{
    private static readonly TimeSpan s_firstDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan s_maxDelay = TimeSpan.FromSeconds(5);

    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _loop;

    private PostgresListener(NpgsqlConnectionStringBuilder settings, string channel, PostgresListenerEvents events)
    {
        _loop = ListenAsync(settings, channel, events, _stopping.Token);
    }

    /// <summary>
    /// Starts listening on <paramref name="channel"/> and returns once the first <c>LISTEN</c> ran, so that a
    /// change made right after start-up is heard; a database that cannot be reached at start fails here.
    /// </summary>
    public static async Task<PostgresListener> StartAsync(
        NpgsqlConnectionStringBuilder settings, string channel, PostgresListenerEvents events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentException.ThrowIfNullOrEmpty(channel);
        ArgumentNullException.ThrowIfNull(events);
        var listener = new PostgresListener(settings, channel, events);
        try
        {
            await listener._listening.Task.WaitAsync(cancellationToken);
            return listener;
        }
        catch
        {
            await listener.DisposeAsync();
            throw;
        }
    }

    private async Task ListenAsync(NpgsqlConnectionStringBuilder settings, string channel, PostgresListenerEvents events, CancellationToken stopping)
    {
        // Let the caller's StartAsync see the first outcome before the loop runs on.
        await Task.Yield();
        var delay = s_firstDelay;
        var own = new NpgsqlConnectionStringBuilder(settings.ConnectionString) { Pooling = false, KeepAlive = 10 };
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(own.ConnectionString);
                connection.Notification += (_, e) => events.Notified(e.Payload);
                await connection.OpenAsync(stopping);
                await using (var listen = new NpgsqlCommand($"LISTEN {channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stopping);
                }

                events.Listening(!_listening.TrySetResult());
                delay = s_firstDelay;
                while (true)
                {
                    await connection.WaitAsync(stopping);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                _listening.TrySetCanceled(stopping);
                return;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
            {
                if (!_listening.Task.IsCompleted)
                {
                    _listening.TrySetException(new PostgresUnavailableException(PostgresFailure.Describe(settings, e), e));
                    return;
                }

                events.Lost(e, PostgresFailure.Describe(settings, e), delay);
                try
                {
                    // The real clock: a reconnect waits on the network, not on the service's (possibly simulated) time.
                    await Task.Delay(delay, stopping);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, s_maxDelay.Ticks));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _loop.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
    }
}

/// <summary>What a <see cref="PostgresListener"/> tells its owner.</summary>
/// <param name="Notified">A notification arrived, with its payload.</param>
/// <param name="Listening">LISTEN ran: first at start (false), then after each reconnection (true).</param>
/// <param name="Lost">The connection dropped: the failure, a sentence naming the database and why, the delay before the next try.</param>
public sealed record PostgresListenerEvents(Action<string> Notified, Action<bool> Listening, Action<Exception, string, TimeSpan> Lost);

/// <summary>PostgreSQL could not be reached; the message names the host, port, database and the reason.</summary>
public sealed class PostgresUnavailableException(string message, Exception inner) : Exception(message, inner);
