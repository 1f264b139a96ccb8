using System.Text;

namespace Keelson.Cli.Demo;

/// <summary>A writer that hands each complete line to <paramref name="onLine"/> (without its line end).</summary>
internal sealed class LineWriter(Action<string> onLine) : TextWriter
{
    private readonly StringBuilder _line = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        if (value == '\n')
        {
            var line = _line.ToString().TrimEnd('\r');
            _line.Clear();
            onLine(line);
        }
        else
        {
            _line.Append(value);
        }
    }

    public override Task WriteLineAsync(string? value)
    {
        WriteLine(value);
        return Task.CompletedTask;
    }
}
