namespace Keelson.CloudConfig;

/// <summary>
/// How every message quotes a value from the document: on one line (line breaks shown as <c>\n</c> and <c>\r</c>) and
/// cut after <see cref="MaxShownChars"/> characters with its full size, so a megabyte-long hostname gives a one-line error.
/// </summary>
internal static class ShownValue
{
    public const int MaxShownChars = 64;

    public static string Of(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var cut = value.Length > MaxShownChars;
        var shown = (cut ? value[..MaxShownChars] : value).Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
        return cut ? $"{shown}... ({System.Text.Encoding.UTF8.GetByteCount(value)} bytes)" : shown;
    }
}
