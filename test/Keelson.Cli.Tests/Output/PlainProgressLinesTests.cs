using Keelson.Cli.Output;
using Microsoft.Extensions.Time.Testing;

namespace Keelson.Cli.Tests.Output;

public sealed class PlainProgressLinesTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void A_line_per_quarter_with_sizes_and_rate_and_nothing_between()
    {
        var progress = new TransferProgress([new ProgressStage("uploading", 200 << 20)], _time);
        var output = new StringWriter { NewLine = "\n" };
        _ = new PlainProgressLines(progress, output, "uploading 2605.10.0");

        for (var mib = 1; mib <= 200; mib++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(10));
            progress.Report(0, (long)mib << 20);
        }

        Assert.Equal(
            "uploading 2605.10.0: 25% (50.0 MiB of 200 MiB, 100 MiB/s)\n"
            + "uploading 2605.10.0: 50% (100 MiB of 200 MiB, 100 MiB/s)\n"
            + "uploading 2605.10.0: 75% (150 MiB of 200 MiB, 100 MiB/s)\n"
            + "uploading 2605.10.0: 100% (200 MiB of 200 MiB, 100 MiB/s)\n",
            output.ToString());
    }

    [Fact]
    public void A_jump_over_several_quarters_prints_one_line_and_late_reports_print_nothing()
    {
        var progress = new TransferProgress([new ProgressStage("writing", 1000), new ProgressStage("checking", 1000)], _time);
        var output = new StringWriter { NewLine = "\n" };
        _ = new PlainProgressLines(progress, output, "applying update.kpay");

        progress.Report(1, 600);
        progress.Report(0, 1000);
        progress.Report(1, 500);
        progress.Complete();

        Assert.Equal(
            "applying update.kpay checking: 80% (1.56 KiB of 1.95 KiB)\n"
            + "applying update.kpay checking: 100% (1.95 KiB of 1.95 KiB)\n",
            output.ToString());
    }
}
