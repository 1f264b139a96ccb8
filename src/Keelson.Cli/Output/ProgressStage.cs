namespace Keelson.Cli.Output;

/// <summary>One stage of a long command's work: what it does ("uploading") and how many bytes it goes through.</summary>
internal sealed record ProgressStage(string Name, long Bytes);
