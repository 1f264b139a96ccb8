using System.Text.RegularExpressions;

namespace Keelson.Cli;

/// <summary>
/// The admin API names a wrong field by its JSON name (<c>timeZone</c>); a person at the CLI typed a flag
/// (<c>--time-zone</c>). This is the one table from the one to the other, for every field a command sends.
/// </summary>
internal static class ApiFields
{
    private static readonly Dictionary<string, string> s_flags = new(StringComparer.Ordinal)
    {
        ["channel"] = "--channel",
        ["safeMode"] = "--safe-mode",
        ["maxUpdatesPerPeriod"] = "--max-updates",
        ["period"] = "--period",
        ["updateTimeout"] = "--update-timeout",
        ["windows"] = "--window",
        ["timeZone"] = "--time-zone",
        ["ramp"] = "--ramp",
        ["force"] = "--force",
        ["version"] = "--version",
        ["url"] = "--url",
        ["size"] = "--size",
        ["sha1"] = "--sha1",
        ["sha256"] = "--sha256",
        ["page"] = "--page",
        ["perPage"] = "--per-page",
        ["after"] = "--after",
        ["slots"] = "--slots",
        ["name"] = "NAME",
        ["from"] = "FROM",
        ["group"] = "GROUP",
    };

    /// <summary>The flag (or argument) the CLI user gives <paramref name="field"/> with; null when there is none.</summary>
    public static string? Flag(string? field) => field is not null && s_flags.TryGetValue(field, out var flag) ? flag : null;

    /// <summary>
    /// <paramref name="message"/> about <paramref name="field"/> as the CLI user reads it. The API's messages name
    /// their field first (<c>timeZone 'Mars' is not...</c>) or last (<c>... needs force</c>): that name becomes the
    /// flag; a message that names it nowhere else gets the flag put in front.
    /// </summary>
    public static string Explain(string? field, string message)
    {
        if (Flag(field) is not { } flag)
        {
            return message;
        }

        var named = new Regex($@"^{Regex.Escape(field!)}(?![\w-])|(?<![\w-]){Regex.Escape(field!)}$", RegexOptions.CultureInvariant);
        return named.IsMatch(message) ? named.Replace(message, flag, 1) : $"{flag}: {message}";
    }
}
