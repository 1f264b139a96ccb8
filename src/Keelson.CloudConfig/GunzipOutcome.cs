namespace Keelson.CloudConfig;

/// <summary>How a bounded gzip decompression ended.</summary>
internal enum GunzipOutcome
{
    Done,

    /// <summary>The data is not (valid, complete) gzip.</summary>
    NotGzip,

    /// <summary>The data decompresses to more than the limit; decompression stopped there.</summary>
    TooLarge,
}
