namespace Keelson.Server.Storage;

/// <summary>
/// Facts read once in a shared transaction and reused by the units after it (the group a track resolves to, say).
/// It lives as long as its transaction: a unit run again alone gets a new, empty one. A unit that changes a fact
/// it or another unit memoised must <see cref="Forget"/> it. It also carries the transaction's
/// <see cref="Statements"/>, so that the units' statements are compiled once for the batch, and its parts: state
/// the units build up together (writes they defer to the end of the batch, say), which forgetting never drops.
/// </summary>
public sealed class BatchMemo(Statements statements)
{
    private readonly Dictionary<Type, object> _parts = [];
    private readonly Dictionary<object, object?> _facts = [];

    public Statements Statements { get; } = statements;

    /// <summary>The batch's one <typeparamref name="T"/>, made on first use; it lives as long as the transaction.</summary>
    public T Part<T>()
        where T : class, new()
    {
        if (!_parts.TryGetValue(typeof(T), out var part))
        {
            part = new T();
            _parts.Add(typeof(T), part);
        }

        return (T)part;
    }

    public bool TryGet<T>(object key, out T? value)
    {
        if (_facts.TryGetValue(key, out var found))
        {
            value = (T?)found;
            return true;
        }

        value = default;
        return false;
    }

    public void Set<T>(object key, T value) => _facts[key] = value;

    public void Forget(object key) => _facts.Remove(key);

    public void Clear() => _facts.Clear();
}
