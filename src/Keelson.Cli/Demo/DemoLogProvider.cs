using Microsoft.Extensions.Logging;

namespace Keelson.Cli.Demo;

/// <summary>Loggers that write to <see cref="DemoLog"/> in the name of one source.</summary>
internal sealed class DemoLogProvider(DemoLog log, string source) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new DemoLogger(log, source);

    public void Dispose()
    {
        // The log belongs to the demo, which closes it last.
    }
}
