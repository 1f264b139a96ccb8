namespace Keelson.Payloads;

/// <summary>What a finished <see cref="OrderedPipeline{T}"/> did, for tests and diagnostics.</summary>
/// <param name="Items">Items that went through every stage.</param>
/// <param name="PeakInFlight">The most items held in tokens at one time: never more than the tokens.</param>
/// <param name="AllocatedBytes">Bytes the pipeline's threads allocated on the managed heap while it ran: buffers belong in the tokens, made beforehand, so this stays flat however many items pass.</param>
internal readonly record struct PipelineResult(long Items, int PeakInFlight, long AllocatedBytes);
