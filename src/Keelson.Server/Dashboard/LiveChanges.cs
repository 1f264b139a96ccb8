using Dapper;
using Keelson.Server.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Keelson.Server.Dashboard;

/// <summary>
/// Tells open dashboard pages that the fleet changed: while a page listens, the database's change marks (newest
/// history and activity entries, machine and reboot-slot counts, channel updates) are read every
/// <see cref="ServerOptions.LiveInterval"/>, and a new mark wakes every listener. Reading the database, not an
/// in-process signal, also sees what another replica changed.
/// </summary>
internal sealed partial class LiveChanges(Database database, ServerOptions options, TimeProvider time, ILogger<LiveChanges> logger)
    : BackgroundService
{
    private readonly Lock _gate = new();
    private TaskCompletionSource<string> _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string _current = "";
    private int _listeners;

    /// <summary>The fleet's change mark now.</summary>
    public Task<string> ReadAsync(CancellationToken cancellationToken) =>
        database.ReadAsync(
            connection => connection.ExecuteScalarAsync<string>(
                """
                SELECT (SELECT COALESCE(MAX(id), 0) FROM instance_history) || '.' || (SELECT COALESCE(MAX(id), 0) FROM activity)
                    || '.' || (SELECT COUNT(*) FROM instances) || '.' || (SELECT COUNT(*) FROM reboot_lock_holders)
                    || '.' || (SELECT COALESCE(MAX(since), 0) FROM reboot_lock_holders)
                    || '.' || (SELECT COALESCE(MAX(updated_at), 0) FROM reboot_lock_groups)
                    || '.' || (SELECT COALESCE(MAX(updated_at), 0) FROM channels)
                """)!,
            cancellationToken)!;

    /// <summary>Counts a listener while the returned value is not disposed; changes are looked for only while someone listens.</summary>
    public IDisposable Listen()
    {
        if (Interlocked.Increment(ref _listeners) == 1)
        {
            // The last mark is from before anyone listened; the first read after this one is the new reference.
            lock (_gate)
            {
                _current = "";
            }
        }

        return new Listener(this);
    }

    /// <summary>The next change mark other than <paramref name="seen"/>, or null when none came within <paramref name="wait"/>.</summary>
    public async Task<string?> WaitForChangeAsync(string seen, TimeSpan wait, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + wait;
        while (true)
        {
            Task<string> next;
            lock (_gate)
            {
                if (_current.Length > 0 && _current != seen)
                {
                    return _current;
                }

                next = _next.Task;
            }

            var left = deadline - time.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                return null;
            }

            try
            {
                // A new mark equal to the one the page has (the first read after a quiet spell) is no change.
                if (await next.WaitAsync(left, time, cancellationToken) is var mark && mark != seen)
                {
                    return mark;
                }
            }
            catch (TimeoutException)
            {
                return null;
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.LiveInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (Volatile.Read(ref _listeners) == 0)
            {
                continue;
            }

            string mark;
            try
            {
                mark = await ReadAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogReadFailed(e);
                continue;
            }

            TaskCompletionSource<string>? changed = null;
            lock (_gate)
            {
                if (mark != _current)
                {
                    _current = mark;
                    changed = _next;
                    _next = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }

            changed?.SetResult(mark);
        }
    }

    [LoggerMessage(EventId = ServerEventIds.LiveChangesFailed, Level = LogLevel.Warning, Message = "The dashboard could not read the fleet's changes")]
    private partial void LogReadFailed(Exception exception);

    private sealed class Listener(LiveChanges changes) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Decrement(ref changes._listeners);
            }
        }
    }
}
