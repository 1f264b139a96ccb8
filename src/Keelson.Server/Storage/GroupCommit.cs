using System.Data.Common;
using System.Threading.Channels;

namespace Keelson.Server.Storage;

/// <summary>
/// Runs units of work that must commit before they are answered, many to a transaction: one writer takes every
/// unit waiting, runs each in turn inside one transaction (a unit sees the writes of the units before it), commits
/// once, and only then completes them all. Units may share what they read through a <see cref="BatchMemo"/>. When the batch fails, each of its units is run again alone in its own
/// transaction, so that one bad unit fails by itself and the others still commit.
/// </summary>
/// <remarks>
/// Plain SQL through <see cref="Database.WriteAsync{T}"/>: the same on every store. Batches form by themselves:
/// while one commits, the next one's units queue; a lone unit does not wait for company.
/// </remarks>
public sealed class GroupCommit<TWork, TResult> : IAsyncDisposable
{
    private readonly Database _database;
    private readonly Func<DbConnection, DbTransaction, TWork, BatchMemo, Task<TResult>> _run;
    private readonly Func<DbConnection, DbTransaction, IReadOnlyList<TWork>, BatchMemo, Task>? _begin;
    private readonly Func<DbConnection, DbTransaction, BatchMemo, Task>? _end;
    private readonly int _maxBatch;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;
    private long _batches;

    /// <param name="database">Where the transactions run.</param>
    /// <param name="run">Runs one unit.</param>
    /// <param name="maxBatch">Units one transaction takes at most.</param>
    /// <param name="begin">Runs first in each transaction, with all of its units (to read what they need at once).</param>
    /// <param name="end">Runs last in each transaction, before the commit (to write what the units deferred).</param>
    public GroupCommit(
        Database database, Func<DbConnection, DbTransaction, TWork, BatchMemo, Task<TResult>> run, int maxBatch,
        Func<DbConnection, DbTransaction, IReadOnlyList<TWork>, BatchMemo, Task>? begin = null,
        Func<DbConnection, DbTransaction, BatchMemo, Task>? end = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(run);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        _database = database;
        _run = run;
        _maxBatch = maxBatch;
        _begin = begin;
        _end = end;
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>Transactions committed with more than one unit in them (for tests and diagnostics).</summary>
    public long SharedBatches => Interlocked.Read(ref _batches);

    /// <summary>Runs <paramref name="work"/> in a write transaction shared with other units; completes after its commit.</summary>
    public async Task<TResult> RunAsync(TWork work, CancellationToken cancellationToken)
    {
        var pending = new Pending(work, cancellationToken);
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(GroupCommit<TWork, TResult>));
        }

        return await pending.Result.Task.WaitAsync(cancellationToken);
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<Pending>(_maxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < _maxBatch && _queue.Reader.TryRead(out var pending))
            {
                // A unit whose caller went away before it started is not run: nothing was promised to anyone.
                if (pending.CancellationToken.IsCancellationRequested)
                {
                    pending.Result.TrySetCanceled(pending.CancellationToken);
                }
                else
                {
                    batch.Add(pending);
                }
            }

            if (batch.Count == 1)
            {
                await RunAloneAsync(batch[0]);
            }
            else if (batch.Count > 1)
            {
                await RunBatchAsync(batch);
            }
        }
    }

    private async Task RunBatchAsync(List<Pending> batch)
    {
        TResult[] results;
        try
        {
            results = await _database.WriteAsync(
                (connection, transaction) => RunUnitsAsync(connection, transaction, batch),
                CancellationToken.None);
        }
        catch (Exception)
        {
            // The whole transaction rolled back: each unit again on its own, in the same order.
            foreach (var pending in batch)
            {
                await RunAloneAsync(pending);
            }

            return;
        }

        Interlocked.Increment(ref _batches);
        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Result.TrySetResult(results[i]);
        }
    }

    private async Task RunAloneAsync(Pending pending)
    {
        try
        {
            var result = await _database.WriteAsync((connection, transaction) => RunUnitsAsync(connection, transaction, [pending]), CancellationToken.None);
            pending.Result.TrySetResult(result[0]);
        }
        catch (Exception e)
        {
            pending.Result.TrySetException(e);
        }
    }

    private async Task<TResult[]> RunUnitsAsync(DbConnection connection, DbTransaction transaction, List<Pending> units)
    {
        await using var statements = new Statements(connection, transaction);
        var memo = new BatchMemo(statements);
        if (_begin is not null)
        {
            await _begin(connection, transaction, units.ConvertAll(unit => unit.Work), memo);
        }

        var done = new TResult[units.Count];
        for (var i = 0; i < units.Count; i++)
        {
            done[i] = await _run(connection, transaction, units[i].Work, memo);
        }

        if (_end is not null)
        {
            await _end(connection, transaction, memo);
        }

        return done;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer;
    }

    private sealed class Pending(TWork work, CancellationToken cancellationToken)
    {
        public TWork Work { get; } = work;
        public CancellationToken CancellationToken { get; } = cancellationToken;
        public TaskCompletionSource<TResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
