using System.Collections.Concurrent;

namespace Keelson.Payloads;

/// <summary>
/// Reads, works and writes at the same time: a producer (the caller, reading sequentially) posts work items,
/// worker threads of their own run them, at most <c>window</c> at once, and a consumer on a thread
/// of its own takes their results in the order they were posted (writing sequentially). The window bounds memory
/// whatever the image size. Dedicated threads, not the thread pool: blocking reads, writes and CPU-bound work
/// queued together on a two-core pool wait behind each other.
/// </summary>
internal static class OrderedPipeline
{
    /// <summary>
    /// Runs <paramref name="produce"/>, which calls the post function it is given once per item, and
    /// <paramref name="consume"/> on each result in order. The first failure cancels the rest and is thrown once
    /// every thread has ended (so nothing still uses buffers or contexts the caller frees afterwards).
    /// </summary>
    public static async Task RunAsync<T>(
        int window,
        int workerCount,
        Func<Func<Func<T>, ValueTask>, CancellationToken, Task> produce,
        Action<T> consume,
        CancellationToken cancellationToken)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var slots = new SemaphoreSlim(window);
        using var work = new BlockingCollection<(Func<T> Work, TaskCompletionSource<T> Result)>();
        using var results = new BlockingCollection<Task<T>>();
        var workers = Enumerable.Range(0, Math.Max(1, workerCount)).Select(_ => Start(() =>
        {
            // Every item is taken, even after a failure, so that no result is left waiting.
            foreach (var (item, result) in work.GetConsumingEnumerable())
            {
                if (cancel.IsCancellationRequested)
                {
                    result.TrySetCanceled(cancel.Token);
                    continue;
                }

                try
                {
                    result.TrySetResult(item());
                }
                catch (Exception e)
                {
                    result.TrySetException(e);
                }
            }
        })).ToArray();
        var consumer = Start(() =>
        {
            try
            {
                foreach (var result in results.GetConsumingEnumerable(cancel.Token))
                {
                    consume(result.GetAwaiter().GetResult());
                    slots.Release();
                }
            }
            catch
            {
                cancel.Cancel();
                throw;
            }
        });

        Exception? producerFailure = null;
        try
        {
            await produce(async item =>
            {
                await slots.WaitAsync(cancel.Token);
                var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
                results.Add(result.Task, CancellationToken.None);
                work.Add((item, result), CancellationToken.None);
            }, cancel.Token);
        }
        catch (Exception e)
        {
            producerFailure = e;
            cancel.Cancel();
        }
        finally
        {
            work.CompleteAdding();
            results.CompleteAdding();
        }

        Exception? consumerFailure = null;
        try
        {
            await consumer;
        }
        catch (Exception e)
        {
            consumerFailure = e;
        }

        await Task.WhenAll(workers);
        cancellationToken.ThrowIfCancellationRequested();
        var failure = new[] { consumerFailure, producerFailure }.FirstOrDefault(e => e is not null and not OperationCanceledException)
            ?? consumerFailure ?? producerFailure;
        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
    }

    private static Task Start(Action action) =>
        Task.Factory.StartNew(action, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
}
