using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Keelson.Cli.Demo;

/// <summary>
/// <c>demo.log</c>: what the server and every machine's agent log, one line each, prefixed with who said it. The
/// terminal belongs to the story, so nothing that runs inside the demo logs to the console.
/// </summary>
internal sealed class DemoLog : IDisposable
{
    private readonly Lock _lock = new();
    private readonly StreamWriter _writer;
    private readonly TimeProvider _time;
    private bool _closed;

    public DemoLog(string path, TimeProvider time)
    {
        _writer = new StreamWriter(path, append: true) { AutoFlush = true };
        _time = time;
        Path = path;
    }

    public string Path { get; }

    /// <summary>A provider whose lines name <paramref name="source"/> (the server, or a machine).</summary>
    public ILoggerProvider Provider(string source) => new DemoLogProvider(this, source);

    /// <summary>Loggers for one machine's agent, at the level <c>keelson machine run</c> logs at.</summary>
    public ILoggerFactory MachineLoggers(string machine) => LoggerFactory.Create(builder => builder
        .SetMinimumLevel(LogLevel.Information)
        .AddFilter("System.Net.Http", LogLevel.Warning)
        .AddProvider(Provider(machine)));

    public void Write(string source, LogLevel level, string message, Exception? exception)
    {
        var line = string.Create(CultureInfo.InvariantCulture, $"{_time.GetUtcNow():HH:mm:ss.fff} {Level(level)} {source}: {message}");
        lock (_lock)
        {
            // Agents that are still stopping may log after the demo closed the log; those lines are dropped.
            if (_closed)
            {
                return;
            }

            _writer.WriteLine(line);
            if (exception is not null)
            {
                _writer.WriteLine(exception.ToString());
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _closed = true;
            _writer.Dispose();
        }
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        _ => "crit",
    };
}
