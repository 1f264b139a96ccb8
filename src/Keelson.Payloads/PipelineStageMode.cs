namespace Keelson.Payloads;

/// <summary>How a <see cref="PipelineStage{T}"/> takes its items.</summary>
internal enum PipelineStageMode
{
    /// <summary>One item at a time, in the order the items were read (writing a slot, hashing a whole image).</summary>
    InOrder,

    /// <summary>Several items at once on the pipeline's threads, in any order (decompressing, hashing a range).</summary>
    Parallel,
}
