namespace Keelson.Server.Storage;

/// <summary>
/// Facts read once in a shared transaction and reused by the units after it (the group a track resolves to, say).
/// It lives as long as its transaction: a unit run again alone gets a new, empty one. A unit that changes a fact
/// it or another unit memoised must <see cref="Forget"/> it.
/// </summary>
public sealed class BatchMemo
{
    private readonly Dictionary<object, object?> _facts = [];

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
