namespace Keelson.Server.Storage;

/// <summary>
/// Runs a SQLite database's checkpoint (its write-ahead log copied back into the file) in the background, at most
/// every interval and only after writes, instead of in the commits.
/// </summary>
/// <remarks>
/// By default SQLite checkpoints inside the COMMIT that grows the log past 1,000 pages, and again in every COMMIT
/// after it while readers keep the log from being copied in full. With a million machines that added 120-185 ms to
/// each pruning transaction and last-seen batch, and kept the pruner to about 22 machines a second. The write
/// connections turn that off (<c>wal_autocheckpoint=0</c>) and the checkpoint runs here once a second
/// (<see cref="DefaultInterval"/>).
/// </remarks>
internal sealed class WalCheckpoints : IDisposable
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(1);

    private readonly TimeSpan _interval;
    private readonly Func<CancellationToken, Task> _checkpoint;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _written;

    /// <param name="checkpoint">Runs one checkpoint.</param>
    /// <param name="interval">The least time between two checkpoints.</param>
    public WalCheckpoints(Func<CancellationToken, Task> checkpoint, TimeSpan interval)
    {
        _checkpoint = checkpoint;
        _interval = interval;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>A write transaction committed: the log has grown.</summary>
    public void Wrote() => Volatile.Write(ref _written, 1);

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(_interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                if (Interlocked.Exchange(ref _written, 0) == 0)
                {
                    continue;
                }

                try
                {
                    await _checkpoint(_stop.Token);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Tried again at the next tick; until then the log only grows, and every commit is still in it.
                    Wrote();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _loop.Wait();
        _stop.Dispose();
    }
}
