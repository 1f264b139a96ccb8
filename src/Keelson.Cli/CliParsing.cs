using System.CommandLine;
using System.CommandLine.Parsing;
using Keelson.Coordination;

namespace Keelson.Cli;

/// <summary>Validators that turn bad flags into usage errors (exit 2) naming the flag.</summary>
internal static class CliParsing
{
    /// <summary><c>--listen URL</c> of a service: repeatable, each an http(s) URL; port 0 picks a free port.</summary>
    public static Option<string[]> ListenOption(string defaultUrl)
    {
        var listen = new Option<string[]>("--listen")
        {
            Description = "address to listen on (repeatable; port 0 picks a free one)",
            DefaultValueFactory = _ => [defaultUrl],
        };
        listen.Validators.Add(result =>
        {
            foreach (var url in result.GetValueOrDefault<string[]>() ?? [])
            {
                if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                {
                    result.AddError($"--listen '{url}' is not an http(s) URL");
                }
            }
        });
        return listen;
    }

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
        if (text is not null && !GoDuration.TryParse(text, out _))
        {
            result.AddError($"{name} '{text}' is not a duration such as 30m, 1h30m or 24h");
        }
    }

    public static void ValidatePositiveDuration(OptionResult result, string name)
    {
        var text = result.GetValueOrDefault<string>();
        if (text is not null && !(GoDuration.TryParse(text, out var duration) && duration > TimeSpan.Zero))
        {
            result.AddError($"{name} '{text}' is not a positive duration such as 2s, 90s, 30m or 168h");
        }
    }

    /// <summary>A duration a validator has already accepted.</summary>
    public static TimeSpan Duration(string? text) =>
        GoDuration.TryParse(text, out var duration) && duration > TimeSpan.Zero
            ? duration
            : throw new CliException($"'{text}' is not a positive duration");
}
