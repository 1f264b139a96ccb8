namespace Keelson.Fuzz;

/// <summary>Runs saved inputs through a target once each, outside afl-fuzz, and says which are findings.</summary>
internal static class Replay
{
    /// <summary>The files of <paramref name="paths"/> (a folder stands for its files), in name order.</summary>
    public static IReadOnlyList<string> Files(IEnumerable<string> paths) =>
        [.. paths.SelectMany(p => Directory.Exists(p) ? Directory.GetFiles(p).Order(StringComparer.Ordinal) : (IEnumerable<string>)[p])];

    /// <summary>True when no input is a finding; prints a line per finding.</summary>
    public static bool Run(IFuzzTarget target, IEnumerable<string> paths, TextWriter output)
    {
        var files = Files(paths);
        var findings = 0;
        foreach (var file in files)
        {
            try
            {
                target.Run(File.ReadAllBytes(file));
            }
            catch (Exception e)
            {
                findings++;
                output.WriteLine($"{file}: {e.GetType().FullName}: {e.Message}");
                output.WriteLine(e.StackTrace);
            }
        }

        output.WriteLine($"{target.Name}: {files.Count} inputs, {findings} findings");
        return findings == 0;
    }
}
