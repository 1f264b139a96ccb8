namespace Keelson.Disks;

/// <summary>
/// A disk operation failed: the path cannot be opened, it holds no usable GPT (both copies corrupt), a slot is
/// missing, or an I/O error happened. The message names the disk and what was wrong. <see cref="IsTransient"/>
/// says whether trying again can help (an I/O error may; a corrupt table or a missing partition will not).
/// </summary>
public sealed class DiskException : Exception
{
    public DiskException(string message, bool isTransient = false)
        : base(message)
    {
        IsTransient = isTransient;
    }

    public DiskException(string message, bool isTransient, Exception? innerException)
        : base(message, innerException)
    {
        IsTransient = isTransient;
    }

    /// <summary>True when the same operation may succeed if tried again (an I/O error rather than bad data).</summary>
    public bool IsTransient { get; }
}
