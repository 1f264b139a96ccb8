using Keelson.Coordination;

namespace Keelson.Agent.Configuration;

/// <summary>
/// Reads <c>update.conf</c> files in order, later keys winning, as CoreOS does: <c>KEY=value</c> lines, values
/// optionally in single or double quotes, <c>#</c> comments and blank lines ignored.
/// </summary>
/// <remarks>
/// Keys: <c>GROUP</c> (default stable), <c>SERVER</c> (an http(s) Omaha URL or <c>disabled</c>),
/// <c>REBOOT_STRATEGY</c> (best-effort, etcd-lock, reboot, off, fleetlock), <c>REBOOT_WINDOW_START</c> and
/// <c>REBOOT_WINDOW_LENGTH</c> (locksmith's format, also with a <c>LOCKSMITHD_</c> prefix), and Keelson's own
/// <c>KEELSON_TRUSTED_KEYS</c> (public key files, space-separated) and <c>KEELSON_HEALTH_CHECKS</c> (commands,
/// separated by <c>;</c>) and <c>KEELSON_REBOOT_COMMAND</c> (a shell command; default <c>systemctl reboot</c>). Unknown keys are kept out of the way of other tools' settings and ignored.
/// </remarks>
public static class UpdateConfigReader
{
    private const int MaxFileBytes = 64 * 1024;

    /// <summary>Reads the files that exist among <paramref name="paths"/>; <paramref name="required"/> ones must exist.</summary>
    public static UpdateConfig Read(IEnumerable<string> paths, IReadOnlySet<string>? required = null)
    {
        var values = new Dictionary<string, (string Value, string Where)>(StringComparer.Ordinal);
        var sources = new List<string>();
        foreach (var path in paths)
        {
            if (!File.Exists(path))
            {
                if (required?.Contains(path) == true)
                {
                    throw new UpdateConfigException($"{path}: no such file");
                }

                continue;
            }

            sources.Add(path);
            string text;
            try
            {
                if (new FileInfo(path).Length > MaxFileBytes)
                {
                    throw new UpdateConfigException($"{path}: larger than {MaxFileBytes} bytes; this is not an update.conf");
                }

                text = File.ReadAllText(path);
            }
            catch (IOException e)
            {
                throw new UpdateConfigException($"{path}: {e.Message}");
            }
            catch (UnauthorizedAccessException e)
            {
                throw new UpdateConfigException($"{path}: {e.Message}");
            }

            foreach (var (key, value, line) in Parse(text, path))
            {
                values[key] = (value, $"{path}:{line}");
            }
        }

        return Build(values, sources);
    }

    /// <summary>The <c>KEY=value</c> pairs of one file, with their line numbers.</summary>
    public static IEnumerable<(string Key, string Value, int Line)> Parse(string text, string path)
    {
        var number = 0;
        foreach (var raw in text.ReplaceLineEndings("\n").Split('\n'))
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new UpdateConfigException($"{path}:{number}: expected KEY=value, found '{Shorten(line)}'");
            }

            var key = line[..equals].Trim();
            if (!key.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                throw new UpdateConfigException($"{path}:{number}: '{Shorten(key)}' is not a key (letters, digits and _)");
            }

            yield return (key, Unquote(line[(equals + 1)..].Trim(), path, number), number);
        }
    }

    private static string Unquote(string value, string path, int line)
    {
        if (value.Length > 0 && value[0] is '"' or '\'')
        {
            if (value.Length < 2 || value[^1] != value[0])
            {
                throw new UpdateConfigException($"{path}:{line}: the value {Shorten(value)} has no closing {value[0]}");
            }

            return value[1..^1];
        }

        // An unquoted value ends at a comment.
        var comment = value.IndexOf(" #", StringComparison.Ordinal);
        return comment < 0 ? value : value[..comment].TrimEnd();
    }

    private static UpdateConfig Build(Dictionary<string, (string Value, string Where)> values, List<string> sources)
    {
        string? Get(string key) => values.TryGetValue(key, out var entry) ? entry.Value : null;
        string Where(string key) => values.TryGetValue(key, out var entry) ? entry.Where : "(default)";

        var group = Get("GROUP") is { Length: > 0 } g ? g : "stable";
        if (group.Length > 64 || !group.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw new UpdateConfigException($"{Where("GROUP")}: GROUP '{Shorten(group)}' must be 1-64 letters, digits, '-', '_' or '.'");
        }

        Uri? server = null;
        var serverText = Get("SERVER");
        if (serverText is null or "")
        {
            throw new UpdateConfigException(
                $"SERVER is not set in {(sources.Count == 0 ? "any update.conf (none was found)" : string.Join(", ", sources))}; set it to the Omaha URL, e.g. https://updates.example.com/v1/update/, or to 'disabled'");
        }

        if (serverText != "disabled")
        {
            if (!Uri.TryCreate(serverText, UriKind.Absolute, out server) || server.Scheme is not ("http" or "https"))
            {
                throw new UpdateConfigException($"{Where("SERVER")}: SERVER '{Shorten(serverText)}' is not an http(s) URL or 'disabled'");
            }
        }

        var strategyText = Get("REBOOT_STRATEGY") is { Length: > 0 } st ? st : "best-effort";
        if (!RebootStrategyNames.TryParse(strategyText, out var strategy))
        {
            throw new UpdateConfigException(
                $"{Where("REBOOT_STRATEGY")}: REBOOT_STRATEGY '{Shorten(strategyText)}' is not one of {RebootStrategyNames.All}");
        }

        var windowStartKey = values.ContainsKey("REBOOT_WINDOW_START") ? "REBOOT_WINDOW_START" : "LOCKSMITHD_REBOOT_WINDOW_START";
        var windowLengthKey = values.ContainsKey("REBOOT_WINDOW_LENGTH") ? "REBOOT_WINDOW_LENGTH" : "LOCKSMITHD_REBOOT_WINDOW_LENGTH";
        var windowStart = Get(windowStartKey);
        var windowLength = Get(windowLengthKey);
        TimeWindow? window = null;
        if (!string.IsNullOrEmpty(windowStart) || !string.IsNullOrEmpty(windowLength))
        {
            if (string.IsNullOrEmpty(windowStart) || string.IsNullOrEmpty(windowLength))
            {
                var given = string.IsNullOrEmpty(windowStart) ? windowLengthKey : windowStartKey;
                throw new UpdateConfigException($"{Where(given)}: {given} is set without its partner; a reboot window needs both a start and a length");
            }

            if (!TimeWindow.TryParseLocksmith(windowStart, windowLength, out window, out var error))
            {
                throw new UpdateConfigException($"{Where(windowStartKey)}: {error}");
            }
        }

        var keys = (Get("KEELSON_TRUSTED_KEYS") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var checks = (Get("KEELSON_HEALTH_CHECKS") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var reboot = Get("KEELSON_REBOOT_COMMAND") is { Length: > 0 } command ? command : UpdateConfig.DefaultRebootCommand;
        return new UpdateConfig(group, server, strategy, window, keys, checks, reboot, sources);
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "...";
}
