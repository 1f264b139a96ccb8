using System.Diagnostics;
using Dapper;
using Keelson.Server.Storage;

namespace Keelson.Server.Tests.Storage;

public sealed class WalCheckpointTests : IDisposable
{
    private const long EightMiB = 8 << 20;
    private readonly string _folder = Directory.CreateTempSubdirectory("keelson-wal-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_commit_leaves_the_log_to_the_background_checkpoint_which_copies_it_into_the_file_soon_after()
    {
        var path = Path.Combine(_folder, "keelson.db");
        // The first checkpoint comes 3 s after the open: the writes below are done long before.
        using var database = Database.OpenSqlite(path, checkpointEvery: TimeSpan.FromSeconds(3));
        await database.WriteAsync(
            (connection, transaction) => connection.ExecuteAsync("CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB)", transaction: transaction),
            CancellationToken.None);
        // 8 MiB in one commit: twice the log (1,000 pages of 4 KiB) at which SQLite would checkpoint in the COMMIT itself.
        await database.WriteAsync(
            (connection, transaction) => connection.ExecuteAsync(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2048) INSERT INTO blobs (data) SELECT randomblob(4096) FROM n",
                transaction: transaction),
            CancellationToken.None);

        Assert.True(new FileInfo(path).Length < EightMiB / 8, $"the commit copied the log into the file itself ({new FileInfo(path).Length} bytes)");
        var waited = Stopwatch.StartNew();
        while (new FileInfo(path).Length < EightMiB && waited.Elapsed < TimeSpan.FromSeconds(15))
        {
            await Task.Delay(100);
        }

        Assert.True(new FileInfo(path).Length >= EightMiB, $"no checkpoint in {waited.Elapsed}: the file holds {new FileInfo(path).Length} bytes");
        Assert.Equal(2048L, await database.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM blobs"), CancellationToken.None));
    }
}
