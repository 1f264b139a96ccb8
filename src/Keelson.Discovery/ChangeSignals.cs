using System.Collections.Concurrent;

namespace Keelson.Discovery;

/// <summary>
/// Wakes the watches held on a token when it changes: through this process, or (PostgreSQL) through another one
/// whose notification the store passes on. A waiter takes <see cref="Next"/> before it
/// reads the store, so that a change committed between its read and its wait is not missed.
/// </summary>
internal sealed class ChangeSignals
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _signals = new(StringComparer.Ordinal);

    /// <summary>A task that completes at the token's next change.</summary>
    public Task Next(string token) =>
        _signals.GetOrAdd(token, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Raise(string token)
    {
        if (_signals.TryRemove(token, out var signal))
        {
            signal.TrySetResult();
        }
    }

    /// <summary>Wakes every held watch, so that each reads the store again (after notifications may have been missed).</summary>
    public void RaiseAll()
    {
        foreach (var token in _signals.Keys)
        {
            Raise(token);
        }
    }
}
