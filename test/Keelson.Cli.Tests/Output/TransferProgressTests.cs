using Keelson.Cli.Output;
using Keelson.Payloads;
using Microsoft.Extensions.Time.Testing;

namespace Keelson.Cli.Tests.Output;

public sealed class TransferProgressTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Reports_that_arrive_late_or_out_of_order_never_move_it_back()
    {
        var progress = new TransferProgress([new ProgressStage("writing", 1000)], _time);
        var seen = Watch(progress);

        foreach (var done in new long[] { 100, 410, 400, 300, 410, 500, 0, 1000, 990 })
        {
            progress.Report(0, done);
        }

        Assert.Equal([100, 410, 500, 1000], seen);
        Assert.Equal(100, progress.Percent);
    }

    [Fact]
    public void A_later_stage_starts_where_the_earlier_ones_end_and_reports_of_a_stage_left_behind_are_ignored()
    {
        var progress = new TransferProgress([new ProgressStage("indexing", 200), new ProgressStage("compressing", 800)], _time);
        var seen = Watch(progress);

        progress.Report(0, 150);
        progress.Report(1, 0);     // the second stage starts: the first is taken as done
        progress.Report(0, 180);   // a late report of the first stage
        progress.Report(1, 400);
        progress.Report(1, 100);   // the second stage's count starting again
        progress.Report(1, 5000);  // more than the stage's bytes counts as the whole stage

        Assert.Equal([150, 200, 600, 1000], seen);
        Assert.Equal("compressing", progress.Stage.Name);
        Assert.Equal(100, progress.Percent);
    }

    [Fact]
    public void Reports_from_many_threads_reach_listeners_in_increasing_order()
    {
        var progress = new TransferProgress([new ProgressStage("writing", 1 << 20)], _time);
        var seen = Watch(progress);

        // As Progress<T> delivered them before: every report, each on some pool thread, in no particular order.
        Parallel.For(1, (1 << 20) + 1, new ParallelOptions { MaxDegreeOfParallelism = 4 }, done => progress.Report(0, done));

        Assert.Equal(seen.Order(), seen);
        Assert.Equal(seen.Distinct().Count(), seen.Count);
        Assert.Equal(1 << 20, seen[^1]);
    }

    [Fact]
    public void Payload_reports_are_delivered_on_the_reporting_thread_at_once()
    {
        var progress = new TransferProgress([new ProgressStage("writing", 4096)], _time);

        progress.ForPayload(0).Report(new PayloadProgress(1024, 4096));

        Assert.Equal(1024, progress.Done);
        Assert.Equal(25, progress.Percent);
    }

    [Fact]
    public void Complete_fills_every_stage_and_no_work_at_all_is_100_percent()
    {
        var progress = new TransferProgress([new ProgressStage("a", 10), new ProgressStage("b", 30)], _time);
        progress.Report(0, 5);
        progress.Complete();

        Assert.Equal((40L, 100), (progress.Done, progress.Percent));
        Assert.Equal(100, new TransferProgress([new ProgressStage("empty", 0)], _time).Percent);
    }

    [Fact]
    public void The_rate_is_bytes_done_over_the_time_since_the_start()
    {
        var progress = new TransferProgress([new ProgressStage("uploading", 100 << 20)], _time);
        _time.Advance(TimeSpan.FromSeconds(2));
        progress.Report(0, 50 << 20);

        Assert.Equal(25 << 20, progress.BytesPerSecond);
    }

    private static List<long> Watch(TransferProgress progress)
    {
        var seen = new List<long>();
        progress.Advanced += p => seen.Add(p.Done);
        return seen;
    }
}
