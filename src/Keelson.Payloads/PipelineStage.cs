namespace Keelson.Payloads;

/// <summary>
/// One step every item of an <see cref="OrderedPipeline{T}"/> goes through: <see cref="Run"/> gets the token that
/// holds the item (its buffers) and the item's index. A stage that throws stops the pipeline.
/// </summary>
internal sealed record PipelineStage<T>(string Name, PipelineStageMode Mode, Action<T, long> Run);
