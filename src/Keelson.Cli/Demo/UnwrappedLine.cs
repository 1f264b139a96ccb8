using Spectre.Console;
using Spectre.Console.Rendering;

namespace Keelson.Cli.Demo;

/// <summary>
/// A line that Spectre does not wrap: a command to copy must stay one line, which the terminal may fold on screen
/// but a copy keeps whole. It erases the rest of its last row, where the live area may have drawn before.
/// </summary>
internal sealed class UnwrappedLine(string text, Style style) : IRenderable
{
    private const string EraseToEndOfLine = "\u001b[K";

    public Measurement Measure(RenderOptions options, int maxWidth) => new(Math.Min(text.Length, maxWidth), maxWidth);

    public IEnumerable<Segment> Render(RenderOptions options, int maxWidth) =>
        [new Segment(text, style), Segment.Control(EraseToEndOfLine), Segment.LineBreak];
}
