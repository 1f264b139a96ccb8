namespace Keelson.Payloads;

/// <summary>How many threads and tokens (items in flight) the payload pipelines use: one rule for create, apply and verify.</summary>
internal static class PipelineShape
{
    /// <summary>One thread per core: each runs whatever step is ready, so none is left waiting for a stage.</summary>
    public static int Threads => Math.Max(1, Environment.ProcessorCount);

    /// <summary>
    /// Items in flight: one per thread plus two, so that while every thread works on one, the next item is read and
    /// the one before waits its turn to be written. Memory is this many chunks' buffers, whatever the image size.
    /// </summary>
    public static int Tokens => Threads + 2;
}
