namespace Keelson.Cli.Output;

/// <summary>
/// Progress for a log rather than a person watching (stderr redirected, CI): no animation and no control
/// characters, a plain line each time the work passes another quarter, and one at 100%:
/// <c>uploading 2605.10.0: 50% (100 MiB of 200 MiB, 95.2 MiB/s)</c>. Written as the model advances, so the lines
/// come in order and their percentages only grow.
/// </summary>
internal sealed class PlainProgressLines
{
    private const int Step = 25;

    private readonly TextWriter _output;
    private readonly string _title;
    private int _next = Step;

    public PlainProgressLines(TransferProgress progress, TextWriter output, string title)
    {
        ArgumentNullException.ThrowIfNull(progress);
        _output = output;
        _title = title;
        progress.Advanced += OnAdvanced;
    }

    private void OnAdvanced(TransferProgress progress)
    {
        var done = progress.Done;
        var percent = progress.PercentOf(done);
        if (percent < _next)
        {
            return;
        }

        // A jump over several quarters prints one line, at the percentage reached.
        _next = ((percent / Step) + 1) * Step;
        var stage = progress.Stages.Count > 1 ? $" {progress.Stage.Name}" : "";
        var rate = progress.BytesPerSecond is > 0 and var perSecond ? $", {Format.Size((long)perSecond)}/s" : "";
        _output.WriteLine($"{_title}{stage}: {percent}% ({Format.Size(done)} of {Format.Size(progress.Total)}{rate})");
        _output.Flush();
    }
}
