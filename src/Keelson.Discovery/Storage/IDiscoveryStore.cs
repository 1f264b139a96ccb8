namespace Keelson.Discovery.Storage;

/// <summary>
/// Where tokens, their keys and their recent events live. Every change is atomic and gets the token's next
/// index; reads see one index. Failures throw <see cref="DiscoveryStoreException"/>.
/// </summary>
internal interface IDiscoveryStore : IDisposable
{
    /// <summary>
    /// True when other processes may change tokens without this process hearing of it (etcd): held watches must poll
    /// for changes. A PostgreSQL store hears of them through notifications, which wake <see cref="ChangeSignals"/>.
    /// </summary>
    bool IsShared { get; }

    /// <summary>Stores a new token at index 1: its <c>_config/size</c> key and that key's creation event.</summary>
    Task CreateTokenAsync(string token, int size, DateTimeOffset createdAt, CancellationToken cancellationToken);

    /// <summary>The token and all its keys; null when there is no such token.</summary>
    Task<TokenSnapshot?> ReadTokenAsync(string token, CancellationToken cancellationToken);

    /// <summary>The token's header and its retained events with index from <paramref name="fromIndex"/> on; null when there is no such token.</summary>
    Task<EventPage?> ReadEventsAsync(string token, long fromIndex, CancellationToken cancellationToken);

    /// <summary>The token's current index; null when there is no such token.</summary>
    Task<long?> ReadIndexAsync(string token, CancellationToken cancellationToken);

    /// <summary>
    /// Reads the token, asks <paramref name="decide"/> what to do and writes the result, atomically (a store may call
    /// <paramref name="decide"/> again when another writer came first, so it must not have side effects).
    /// </summary>
    Task<ChangeOutcome> ChangeAsync(string token, Func<TokenSnapshot, ChangeDecision> decide, CancellationToken cancellationToken);

    /// <summary>Deletes (some of) the tokens created before <paramref name="cutoff"/>; returns those deleted.</summary>
    Task<IReadOnlyList<string>> DeleteTokensCreatedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken);

    /// <summary>Throws when the store cannot serve.</summary>
    Task CheckHealthAsync(CancellationToken cancellationToken);
}
