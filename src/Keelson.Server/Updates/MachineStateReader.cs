using System.Data.Common;
using System.Threading.Channels;
using Keelson.Server.Storage;

namespace Keelson.Server.Updates;

/// <summary>
/// Reads the state of machines that checked in and are not in the <see cref="MachineStateCache"/> (first checks,
/// and on a shared store every request with events), many machines per statement: one reader takes every read
/// waiting, asks for all of them at once and answers each. A lone read does not wait for company; while one
/// statement runs, the next one's reads queue.
/// </summary>
/// <remarks>
/// A point read costs a statement (and on PostgreSQL a round trip); under a burst of first checks that cost, not
/// the row, is what a check pays. Reading outside the write transaction is what the cache does anyway: a request
/// that may change a status re-reads its row inside its transaction.
/// </remarks>
public sealed class MachineStateReader : IAsyncDisposable
{
    /// <summary>Machines one statement asks for: amortises the statement, keeps its parameter list short.</summary>
    public const int MaxBatch = 128;

    private readonly Database _database;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _reader;

    public MachineStateReader(Database database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _reader = Task.Run(ReadLoopAsync);
    }

    /// <summary>The machine's state, <see cref="MachineState.Unknown"/> when it has no row.</summary>
    public async Task<MachineState> ReadAsync(string appId, string machineId, CancellationToken cancellationToken)
    {
        var pending = new Pending(appId, machineId);
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(MachineStateReader));
        }

        return await pending.Result.Task.WaitAsync(cancellationToken);
    }

    private async Task ReadLoopAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var pending))
            {
                batch.Add(pending);
            }

            try
            {
                var found = await _database.ReadAsync(connection => ReadBatchAsync(connection, batch), CancellationToken.None);
                foreach (var pending in batch)
                {
                    pending.Result.TrySetResult(found.GetValueOrDefault((pending.AppId, pending.MachineId), MachineState.Unknown));
                }
            }
            catch (Exception e)
            {
                foreach (var pending in batch)
                {
                    pending.Result.TrySetException(e);
                }
            }
        }
    }

    private async Task<Dictionary<(string, string), MachineState>> ReadBatchAsync(DbConnection connection, List<Pending> batch)
    {
        var found = new Dictionary<(string, string), MachineState>(batch.Count);
        foreach (var app in batch.GroupBy(pending => pending.AppId))
        {
            var rows = await InstanceTable.FindManyAsync(
                connection, null, _database.Dialect, app.Key, app.Select(pending => pending.MachineId).ToList());
            foreach (var row in rows.Values)
            {
                found[(app.Key, row.MachineId)] = MachineState.Of(row);
            }
        }

        return found;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _reader;
    }

    private sealed record Pending(string AppId, string MachineId)
    {
        public TaskCompletionSource<MachineState> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
