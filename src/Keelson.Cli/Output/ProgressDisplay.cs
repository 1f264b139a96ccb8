using Keelson.Cli.Demo;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Keelson.Cli.Output;

/// <summary>
/// Shows a long command's <see cref="TransferProgress"/> on stderr: a live bar with the percentage, bytes done of
/// the total and the rate when stderr is an interactive terminal, else <see cref="PlainProgressLines"/>. stdout
/// is left to the command's result (and its JSON).
/// </summary>
internal static class ProgressDisplay
{
    private static readonly TimeSpan s_refresh = TimeSpan.FromMilliseconds(100);

    /// <summary>Runs <paramref name="work"/> with a progress model of <paramref name="stages"/>, shown while it runs.</summary>
    public static async Task<T> RunAsync<T>(string title, IReadOnlyList<ProgressStage> stages, Func<TransferProgress, Task<T>> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        var progress = new TransferProgress(stages, TimeProvider.System);
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        if (Console.IsErrorRedirected || !LiveDemoDisplay.Supported(console))
        {
            _ = new PlainProgressLines(progress, Console.Error, title);
            var result = await work(progress);
            progress.Complete();
            return result;
        }

        return await console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new BytesColumn(progress))
            .StartAsync(async context =>
            {
                var task = context.AddTask(Markup.Escape(title), maxValue: Math.Max(1, progress.Total));
                var running = work(progress);
                // The bar's one writer: it copies the model's position, which only moves forward, so the bar does too.
                while (!running.IsCompleted)
                {
                    task.Value = progress.Done;
                    await Task.WhenAny(running, Task.Delay(s_refresh));
                }

                var result = await running;
                progress.Complete();
                task.Value = progress.Total;
                task.StopTask();
                return result;
            });
    }

    /// <summary>"82.0 MiB / 200 MiB  45.3 MiB/s", in <see cref="Format.Size"/>'s units.</summary>
    private sealed class BytesColumn(TransferProgress progress) : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            var rate = progress.BytesPerSecond is > 0 and var perSecond ? $"  {Format.Size((long)perSecond)}/s" : "";
            return new Text($"{Format.Size(progress.Done)} / {Format.Size(progress.Total)}{rate}");
        }
    }
}
