using Microsoft.Extensions.Logging;

namespace Keelson.Agent.Tests.Engine;

/// <summary>Keeps every log line (debug included), for asserting what an operator reads and the engine's transitions.</summary>
internal sealed class RecordingLogger : ILogger
{
    private readonly Lock _lock = new();
    private readonly List<string> _lines = [];

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lock)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>The states the engine moved through, from its "State X -> Y" lines: the first one's origin, then each destination.</summary>
    public IReadOnlyList<string> States()
    {
        var moves = Lines.Where(l => l.StartsWith("State ", StringComparison.Ordinal)).Select(l => l["State ".Length..].Split(" -> ")).ToList();
        return moves.Count == 0 ? [] : [moves[0][0], .. moves.Select(m => m[1])];
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        lock (_lock)
        {
            _lines.Add(formatter(state, exception));
        }
    }
}
