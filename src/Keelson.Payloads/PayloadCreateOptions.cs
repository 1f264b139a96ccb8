namespace Keelson.Payloads;

/// <summary>What to make a payload of.</summary>
public sealed record PayloadCreateOptions
{
    /// <summary>The new image (a file or block device).</summary>
    public required string ImagePath { get; init; }

    /// <summary>The image's OS version, e.g. <c>2605.10.0</c>.</summary>
    public required string Version { get; init; }

    /// <summary>The key to sign with.</summary>
    public required PayloadSigningKey Key { get; init; }

    public string Board { get; init; } = BoardName.Default;

    /// <summary>The old image, to make a delta from; <see langword="null"/> for a full payload.</summary>
    public string? SourceImagePath { get; init; }

    /// <summary>zstd level, 1 to 19.</summary>
    public int CompressionLevel { get; init; } = 3;

    /// <summary>The largest operation, a multiple of 4 KiB (<see cref="PayloadFormat.DefaultChunkSize"/> unless told).</summary>
    public int ChunkSize { get; init; } = PayloadFormat.DefaultChunkSize;

    /// <summary>The clock the creation time is read from.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
