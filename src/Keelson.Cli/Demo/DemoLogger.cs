using Microsoft.Extensions.Logging;

namespace Keelson.Cli.Demo;

/// <summary>One logger of <see cref="DemoLogProvider"/>; levels are filtered by the factory it belongs to.</summary>
internal sealed class DemoLogger(DemoLog log, string source) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        if (IsEnabled(logLevel))
        {
            log.Write(source, logLevel, formatter(state, exception), exception);
        }
    }
}
