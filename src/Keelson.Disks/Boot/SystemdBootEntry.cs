using System.Text;

namespace Keelson.Disks.Boot;

/// <summary>
/// The fields of a Boot Loader Specification type #1 entry that Keelson writes and reads, parsed as systemd-boot
/// parses the file: one "key value" per line, blanks around them trimmed, '#' lines ignored, a value in double
/// quotes unquoted, a repeated key replacing the earlier one except <c>initrd</c> (each one loaded) and
/// <c>options</c> (joined with spaces).
/// </summary>
public sealed record SystemdBootEntry(string? Title, string? Version, string? Linux, IReadOnlyList<string> Initrds, string? Options)
{
    public static SystemdBootEntry Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string? title = null, version = null, linux = null, options = null;
        var initrds = new List<string>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim(" \t\r".ToCharArray());
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var split = line.IndexOfAny([' ', '\t']);
            if (split < 0)
            {
                continue;
            }

            var key = line[..split];
            var value = line[split..].TrimStart(" \t".ToCharArray());
            if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
            {
                value = value[1..^1];
            }

            switch (key)
            {
                case "title":
                    title = value;
                    break;
                case "version":
                    version = value;
                    break;
                case "linux":
                    linux = value;
                    break;
                case "initrd":
                    initrds.Add(value);
                    break;
                case "options":
                    options = options is null ? value : $"{options} {value}";
                    break;
            }
        }

        return new SystemdBootEntry(title, version, linux, initrds, options);
    }

    public string Format()
    {
        var s = new StringBuilder();
        Line("title", Title);
        Line("version", Version);
        Line("linux", Linux);
        foreach (var initrd in Initrds)
        {
            Line("initrd", initrd);
        }

        Line("options", Options);
        return s.ToString();

        void Line(string key, string? value)
        {
            if (value is not null)
            {
                s.Append(key).Append(' ').Append(value).Append('\n');
            }
        }
    }
}
