using System.Collections.Concurrent;

namespace Keelson.Payloads.Tests;

/// <summary>
/// The pipeline that create, apply and verify run on: parallel stages finish in any order, in-order stages see
/// the items in order, and memory is the tokens, however many items pass.
/// </summary>
public sealed class OrderedPipelineTests
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Items_finished_out_of_order_are_written_in_order()
    {
        const int Items = 12;
        using var secondDone = new ManualResetEventSlim();
        var finished = new ConcurrentQueue<long>();
        var written = new List<long>();
        var work = new PipelineStage<Token>("work", PipelineStageMode.Parallel, (token, index) =>
        {
            // Item 0 finishes only after item 1 has: the write of 1 must still wait for 0.
            if (index == 0 && !secondDone.Wait(s_deadline))
            {
                throw new TimeoutException("item 1 never finished while item 0 was in the work stage");
            }

            token.Value = index * 3;
            finished.Enqueue(index);
            if (index == 1)
            {
                secondDone.Set();
            }
        });
        var write = new PipelineStage<Token>("write", PipelineStageMode.InOrder, (token, index) =>
        {
            Assert.Equal(index * 3, token.Value);
            written.Add(index);
        });

        var result = await OrderedPipeline<Token>.RunAsync(Tokens(4), threads: 2, (_, index) => index < Items, [work, write], CancellationToken.None);

        var finishedOrder = finished.ToList();
        Assert.True(finishedOrder.IndexOf(1) < finishedOrder.IndexOf(0), $"finished in the order {string.Join(", ", finishedOrder)}");
        Assert.Equal(Enumerable.Range(0, Items).Select(i => (long)i), written);
        Assert.Equal(Items, result.Items);
    }

    [Fact]
    public async Task A_parallel_stage_runs_items_at_the_same_time()
    {
        using var bothIn = new CountdownEvent(2);
        var work = new PipelineStage<Token>("work", PipelineStageMode.Parallel, (_, index) =>
        {
            if (index < 2)
            {
                bothIn.Signal();
                if (!bothIn.Wait(s_deadline))
                {
                    throw new TimeoutException($"item {index} was alone in the parallel stage");
                }
            }
        });

        var result = await OrderedPipeline<Token>.RunAsync(Tokens(3), threads: 2, (_, index) => index < 5, [work], CancellationToken.None);

        Assert.Equal(5, result.Items);
    }

    [Fact]
    public async Task Twenty_thousand_items_pass_through_three_tokens_without_allocating_per_item()
    {
        const int Items = 20_000;
        var tokens = Tokens(3);
        var seen = new ConcurrentDictionary<Token, bool>(ReferenceEqualityComparer.Instance);
        long sum = 0;
        var work = new PipelineStage<Token>("work", PipelineStageMode.Parallel, (token, index) => token.Value = index);
        var add = new PipelineStage<Token>("add", PipelineStageMode.InOrder, (token, _) => sum += token.Value);

        var result = await OrderedPipeline<Token>.RunAsync(tokens, threads: 2, (token, index) =>
        {
            seen.TryAdd(token, true);
            return index < Items;
        }, [work, add], CancellationToken.None);

        Assert.Equal(Items, result.Items);
        Assert.Equal((long)Items * (Items - 1) / 2, sum);
        Assert.True(seen.Keys.All(t => tokens.Contains(t)), "an item was held outside the tokens");
        Assert.InRange(result.PeakInFlight, 1, tokens.Length);
        // One allocation per item, of the smallest object there is (24 bytes), would be 480 KB.
        Assert.True(result.AllocatedBytes < 64 * 1024, $"the pipeline's threads allocated {result.AllocatedBytes} bytes for {Items} items");
    }

    [Fact]
    public async Task The_first_failure_stops_the_pipeline_and_is_thrown_once_every_thread_has_ended()
    {
        var written = new List<long>();
        var running = 0;
        var work = new PipelineStage<Token>("work", PipelineStageMode.Parallel, (_, index) =>
        {
            Interlocked.Increment(ref running);
            try
            {
                if (index == 5)
                {
                    throw new PayloadException(PayloadErrorKind.Corrupt, "item 5 is bad");
                }
            }
            finally
            {
                Interlocked.Decrement(ref running);
            }
        });
        var write = new PipelineStage<Token>("write", PipelineStageMode.InOrder, (_, index) => written.Add(index));

        var error = await Assert.ThrowsAsync<PayloadException>(() =>
            OrderedPipeline<Token>.RunAsync(Tokens(4), threads: 2, (_, index) => index < 1000, [work, write], CancellationToken.None));

        Assert.Equal("item 5 is bad", error.Message);
        Assert.Equal(0, Volatile.Read(ref running));
        Assert.Equal(Enumerable.Range(0, written.Count).Select(i => (long)i), written);
        Assert.True(written.Count <= 5, $"items after the failed one were written: {written.Count}");
    }

    [Fact]
    public async Task A_failure_while_filling_is_thrown()
    {
        var error = await Assert.ThrowsAsync<PayloadException>(() => OrderedPipeline<Token>.RunAsync(Tokens(2), threads: 2, (_, index) =>
            index < 3 ? true : throw new PayloadException(PayloadErrorKind.Truncated, "the input ends early"),
            [new PipelineStage<Token>("work", PipelineStageMode.Parallel, (_, _) => { })], CancellationToken.None));

        Assert.Equal(PayloadErrorKind.Truncated, error.Kind);
    }

    [Fact]
    public async Task Cancelling_stops_the_pipeline_with_OperationCanceledException()
    {
        using var cancel = new CancellationTokenSource();
        var work = new PipelineStage<Token>("work", PipelineStageMode.InOrder, (_, index) =>
        {
            if (index == 10)
            {
                cancel.Cancel();
            }
        });

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            OrderedPipeline<Token>.RunAsync(Tokens(2), threads: 2, (_, _) => true, [work], cancel.Token));

        Assert.Equal(cancel.Token, error.CancellationToken);
    }

    private static Token[] Tokens(int count) => [.. Enumerable.Range(0, count).Select(_ => new Token())];

    private sealed class Token
    {
        public long Value { get; set; }
    }
}
