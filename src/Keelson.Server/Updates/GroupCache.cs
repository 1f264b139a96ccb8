using System.Collections.Concurrent;
using System.Data.Common;
using Dapper;
using Keelson.Server.Storage;

namespace Keelson.Server.Updates;

/// <summary>
/// The group, channel and package each track resolves to, kept for the Omaha check's fast path. Every catalog
/// change invalidates it (<see cref="InvalidateAsync"/>), on every replica sharing the database when that change
/// commits (<see cref="CatalogListener"/>); entries also expire after a second, which bounds staleness should a
/// notification be lost. Decisions that grant or hold an update re-read inside their transaction.
/// </summary>
public sealed class GroupCache(Database database, TimeProvider time)
{
    private static readonly TimeSpan s_lifetime = TimeSpan.FromSeconds(1);

    // Tracks come from the network: only tracks that resolve are cached, and the cache is bounded.
    private const int MaxEntries = 4096;

    private readonly ConcurrentDictionary<(string AppId, string Track), Entry> _entries = new();
    private long _generation;

    /// <summary>The notification channel that carries catalog changes between replicas.</summary>
    public const string ChangeChannel = "keelson_catalog";

    /// <summary>Forgets every entry of this process now.</summary>
    public void Invalidate() => Interlocked.Increment(ref _generation);

    /// <summary>
    /// For a catalog change made in <paramref name="transaction"/>: forgets every entry now, and - on a database
    /// that replicas share - makes every replica, this one included, forget again once the change is committed,
    /// so that no view read between now and the commit outlives it.
    /// </summary>
    public async Task InvalidateAsync(DbConnection connection, DbTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(connection);
        Invalidate();
        if (database.Dialect.Notify.Length > 0)
        {
            await connection.ExecuteAsync(database.Dialect.Notify, new { channel = ChangeChannel, payload = "" }, transaction);
        }
    }

    public async Task<GroupView?> GetAsync(string appId, string track, CancellationToken cancellationToken)
    {
        var generation = Volatile.Read(ref _generation);
        var now = time.GetUtcNow();
        if (_entries.TryGetValue((appId, track), out var entry) && entry.Generation == generation && now < entry.Expires)
        {
            return entry.View;
        }

        var view = await database.ReadAsync(connection => GroupResolver.ResolveAsync(connection, null, appId, track), cancellationToken);
        if (view is not null)
        {
            if (_entries.Count >= MaxEntries)
            {
                _entries.Clear();
            }

            _entries[(appId, track)] = new Entry(view, generation, now + s_lifetime);
        }

        return view;
    }

    private sealed record Entry(GroupView View, long Generation, DateTimeOffset Expires);
}
