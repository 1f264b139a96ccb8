using Dapper;
using Keelson.Server.Storage;

namespace Keelson.Server.Tests.HotPath;

public sealed class GroupCommitTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("keelson-group-commit-").FullName;
    private Database _database = null!;

    public async Task InitializeAsync()
    {
        _database = Database.OpenSqlite(Path.Combine(_folder, "test.db"));
        await _database.WriteAsync((connection, transaction) => connection.ExecuteAsync("CREATE TABLE items (id INTEGER PRIMARY KEY)", transaction: transaction), CancellationToken.None);
    }

    public Task DisposeAsync()
    {
        _database.Dispose();
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_failing_unit_fails_alone_and_the_rest_of_its_batch_commits()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource();
        await using var commits = new GroupCommit<int, int>(_database, async (connection, transaction, id, memo) =>
        {
            if (id == 0)
            {
                // Holds the writer, so that the next units queue up and are taken as one batch.
                started.SetResult();
                await release.Task;
            }

            // Unit 13 inserts a row unit 12 already inserted: a constraint violation that rolls back its transaction.
            await connection.ExecuteAsync("INSERT INTO items (id) VALUES (@id)", new { id = id == 13 ? 12 : id }, transaction);
            return id;
        }, maxBatch: 100);

        var first = commits.RunAsync(0, CancellationToken.None);

        // Only once unit 0 runs are the others queued: had the writer woken while they were being queued, it could
        // have taken some of them into unit 0's batch.
        await started.Task;
        var rest = Enumerable.Range(1, 20).Select(id => commits.RunAsync(id, CancellationToken.None)).ToList();
        release.SetResult();

        Assert.Equal(0, await first);
        for (var id = 1; id <= 20; id++)
        {
            if (id == 13)
            {
                await Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(() => rest[id - 1]);
            }
            else
            {
                Assert.Equal(id, await rest[id - 1]);
            }
        }

        var stored = await _database.ReadAsync(async connection => (await connection.QueryAsync<long>("SELECT id FROM items ORDER BY id")).ToList(), CancellationToken.None);
        Assert.Equal(Enumerable.Range(0, 21).Where(id => id != 13).Select(id => (long)id), stored);
    }

    [Fact]
    public async Task Units_of_one_batch_share_a_transaction_and_see_the_writes_before_them()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource();
        await using var commits = new GroupCommit<int, long>(_database, async (connection, transaction, id, memo) =>
        {
            if (id == 0)
            {
                started.SetResult();
                await release.Task;
            }

            await connection.ExecuteAsync("INSERT INTO items (id) VALUES (@id)", new { id }, transaction);
            return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM items", transaction: transaction);
        }, maxBatch: 100);

        var first = commits.RunAsync(0, CancellationToken.None);
        await started.Task;
        var rest = Enumerable.Range(1, 10).Select(id => commits.RunAsync(id, CancellationToken.None)).ToList();
        release.SetResult();

        Assert.Equal(1, await first);
        Assert.Equal(Enumerable.Range(2, 10).Select(n => (long)n), await Task.WhenAll(rest));
        Assert.Equal(1, commits.SharedBatches);
    }

    [Fact]
    public async Task A_unit_is_answered_only_after_its_transaction_committed()
    {
        await using var commits = new GroupCommit<int, int>(_database, async (connection, transaction, id, memo) =>
        {
            await connection.ExecuteAsync("INSERT INTO items (id) VALUES (@id)", new { id }, transaction);
            return id;
        }, maxBatch: 100);

        await Task.WhenAll(Enumerable.Range(1, 30).Select(id => commits.RunAsync(id, CancellationToken.None)));

        // Read on another connection: everything answered is there.
        Assert.Equal(30, await _database.ReadAsync(connection => connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM items"), CancellationToken.None));
    }
}
