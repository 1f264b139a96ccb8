using System.Text.Json;

namespace Keelson.Cli.Output;

/// <summary>What commands print: aligned tables and key/value lists for people, JSON for machines.</summary>
internal sealed class ConsoleOutput(TextWriter output)
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public void Json<T>(T value) => output.WriteLine(JsonSerializer.Serialize(value, s_json));

    /// <summary>
    /// Columns aligned with two spaces between them, a header line, no borders, no wrapping and no trailing
    /// spaces, so the output reads well in a terminal and diffs and greps well in scripts. Empty cells print "-".
    /// </summary>
    public void Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string?>> rows)
    {
        var lines = new List<string[]> { headers.ToArray() };
        lines.AddRange(rows.Select(row => row.Select(cell => string.IsNullOrEmpty(cell) ? "-" : cell.ReplaceLineEndings(" ")).ToArray()));
        var widths = headers.Select((_, column) => lines.Max(line => line[column].Length)).ToArray();
        foreach (var line in lines)
        {
            var text = string.Join("  ", line.Select((cell, column) => column == line.Length - 1 ? cell : cell.PadRight(widths[column])));
            output.WriteLine(text.TrimEnd());
        }
    }

    /// <summary>Aligned "key: value" lines for one item.</summary>
    public void Fields(IEnumerable<(string Key, string? Value)> fields)
    {
        var list = fields.ToList();
        var width = list.Max(f => f.Key.Length) + 1;
        foreach (var (key, value) in list)
        {
            output.WriteLine($"{(key + ":").PadRight(width)} {(string.IsNullOrEmpty(value) ? "-" : value)}");
        }
    }

    public void Line(string text) => output.WriteLine(text);
}
