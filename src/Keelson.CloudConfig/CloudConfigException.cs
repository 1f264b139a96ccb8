namespace Keelson.CloudConfig;

/// <summary>
/// Applying a cloud-config failed or was refused. Refusals (an invalid document, a path that leaves the target root,
/// an unknown owner...) come before anything is written; <see cref="IsTransient"/> is true only for I/O failures
/// while writing, which a retry may get past.
/// </summary>
public sealed class CloudConfigException(string message, bool isTransient = false, Exception? inner = null) : Exception(message, inner)
{
    public bool IsTransient { get; } = isTransient;
}
