using System.Text;

namespace Keelson.CloudConfig.Apply;

/// <summary>
/// coreos-cloudinit's rewrite of update.conf: each line of the existing file is kept, except that the first line
/// starting with a key being set becomes <c>KEY=value</c>; keys no line had are appended in sorted order. Every line
/// ends in a newline.
/// </summary>
internal static class UpdateConfMerge
{
    public static string Merge(string existing, IEnumerable<(string Key, string Value)> settings)
    {
        var pending = settings.ToDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal);
        var output = new StringBuilder();
        foreach (var line in Lines(existing))
        {
            // Sorted, so that of two keys where one is a prefix of the other the choice does not depend on hashing.
            var key = pending.Keys.Order(StringComparer.Ordinal).FirstOrDefault(k => IsSetting(line, k));
            if (key is null)
            {
                output.Append(line).Append('\n');
                continue;
            }

            output.Append(key).Append('=').Append(pending[key]).Append('\n');
            pending.Remove(key);
        }

        foreach (var key in pending.Keys.Order(StringComparer.Ordinal))
        {
            output.Append(key).Append('=').Append(pending[key]).Append('\n');
        }

        return output.ToString();
    }

    /// <summary>
    /// Whether <paramref name="line"/> sets <paramref name="key"/>: it starts with the key followed by <c>=</c> (spaces
    /// allowed before it). coreos-cloudinit takes any line starting with the key's name, so that <c>GROUPS=</c> would
    /// count as <c>GROUP</c>; Keelson requires the <c>=</c>.
    /// </summary>
    private static bool IsSetting(string line, string key) =>
        line.StartsWith(key, StringComparison.Ordinal) && line[key.Length..].TrimStart(' ', '\t').StartsWith('=');

    /// <summary>The lines as Go's line scanner reads them: a final line without a newline counts, a trailing CR is dropped.</summary>
    private static IEnumerable<string> Lines(string text)
    {
        if (text.Length == 0)
        {
            yield break;
        }

        var lines = text.Split('\n');
        var count = text.EndsWith('\n') ? lines.Length - 1 : lines.Length;
        for (var i = 0; i < count; i++)
        {
            yield return lines[i].TrimEnd('\r');
        }
    }
}
