using System.CommandLine.Parsing;

namespace Keelson.Cli;

/// <summary>Validators that turn bad flags into usage errors (exit 2) naming the flag.</summary>
internal static class CliParsing
{
    public static void ValidateHttpUrl(OptionResult result, string name)
    {
        var text = result.GetValueOrDefault<string>();
        if (text is not null && !(Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
        {
            result.AddError($"{name} '{text}' is not an http(s) URL");
        }
    }

    public static void ValidateDuration(OptionResult result, string name)
    {
        var text = result.GetValueOrDefault<string>();
        if (text is not null && !Keelson.Coordination.GoDuration.TryParse(text, out _))
        {
            result.AddError($"{name} '{text}' is not a duration such as 30m, 1h30m or 24h");
        }
    }
}
