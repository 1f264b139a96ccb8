namespace Keelson.Fuzz.Tests;

/// <summary>
/// Replays every input of test/fuzz-corpus through the fuzz harness: each must be accepted or refused the documented
/// way, within a deadline. A crash or hang that benchmarks/fuzz.sh kept fails here until its reader is fixed.
/// </summary>
public sealed class CorpusReplayTests
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(30);

    private static string Corpus => Path.Combine(AppContext.BaseDirectory, "fuzz-corpus");

    public static TheoryData<string, string> Inputs()
    {
        var data = new TheoryData<string, string>();
        foreach (var folder in Directory.GetDirectories(Corpus).Order(StringComparer.Ordinal))
        {
            foreach (var file in Directory.GetFiles(folder).Order(StringComparer.Ordinal))
            {
                data.Add(Path.GetFileName(folder), Path.GetFileName(file));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public async Task Corpus_input_is_read_or_refused_the_documented_way(string target, string input)
    {
        var fuzzTarget = FuzzTargets.Find(target);
        Assert.True(fuzzTarget is not null, $"test/fuzz-corpus/{target} is not the corpus of a fuzz target");
        var bytes = await File.ReadAllBytesAsync(Path.Combine(Corpus, target, input));

        var run = Task.Run(() => fuzzTarget.Run(bytes));
        var finished = await Task.WhenAny(run, Task.Delay(s_deadline));
        Assert.True(finished == run, $"{target}/{input} did not finish within {s_deadline.TotalSeconds} s");
        await run;
    }

    [Fact]
    public void Every_target_has_a_corpus()
    {
        foreach (var target in FuzzTargets.All)
        {
            var folder = Path.Combine(Corpus, target.Name);
            Assert.True(Directory.Exists(folder) && Directory.GetFiles(folder).Length > 0, $"no corpus for {target.Name} in test/fuzz-corpus/{target.Name}");
        }
    }
}
