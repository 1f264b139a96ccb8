namespace Keelson.Omaha;

/// <summary>
/// An Omaha document could not be read: it was malformed, too large, used a DTD, or broke a rule of the
/// protocol. The message names what was wrong and where (<c>line 3: &lt;app&gt; attribute 'appid' is missing</c>).
/// Retrying the same document cannot help.
/// </summary>
public sealed class OmahaFormatException : Exception
{
    public OmahaFormatException(string message, int line = 0, int position = 0)
        : base(message)
    {
        Line = line;
        Position = position;
    }

    public OmahaFormatException(string message, int line, int position, Exception? innerException)
        : base(message, innerException)
    {
        Line = line;
        Position = position;
    }

    /// <summary>The 1-based line of the problem, or 0 when it concerns the whole document.</summary>
    public int Line { get; }

    /// <summary>The 1-based position within <see cref="Line"/>, or 0 when unknown.</summary>
    public int Position { get; }
}
