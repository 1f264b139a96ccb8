using System.CommandLine;
using System.CommandLine.Parsing;
using Keelson.Agent.Daemon;
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

    /// <summary>
    /// Makes a usage error of any value of <paramref name="option"/> outside <paramref name="values"/> (compared
    /// exactly), naming them all and the nearest one; the values also complete on the shell.
    /// </summary>
    public static Option<string> AcceptOnly(Option<string> option, IReadOnlyList<string> values)
    {
        ArgumentNullException.ThrowIfNull(option);
        option.CompletionSources.Add([.. values]);
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>() is { } text && !values.Contains(text, StringComparer.Ordinal))
            {
                result.AddError($"{option.Name} '{text}' is not one of: {string.Join(", ", values)}" + Suggestions.DidYouMean(text, values));
            }
        });
        return option;
    }

    /// <summary><c>--machine-trust</c>: which machines' reports may move a rollout, among <paramref name="modes"/>.</summary>
    public static Option<string> MachineTrustOption(string description, params Keelson.Server.Trust.MachineTrustMode[] modes) =>
        AcceptOnly(new Option<string>("--machine-trust") { Description = description, DefaultValueFactory = _ => "any" },
            [.. modes.Select(mode => mode.ToString().ToLowerInvariant())]);

    /// <summary>The mode a <see cref="MachineTrustOption"/> value names.</summary>
    public static Keelson.Server.Trust.MachineTrustMode MachineTrust(string? word) =>
        Enum.Parse<Keelson.Server.Trust.MachineTrustMode>(word ?? "any", ignoreCase: true);

    public static void ValidateHttpUrl(OptionResult result, string name)
    {
        var text = result.GetValueOrDefault<string>();
        if (text is not null && !(Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
        {
            result.AddError($"{name} '{text}' is not an http(s) URL");
        }
    }

    /// <summary>An IP address or a network in CIDR notation (<c>10.0.0.0/8</c>), as the value of option <paramref name="name"/>.</summary>
    public static System.Net.IPNetwork Network(string text, string name) =>
        System.Net.IPNetwork.TryParse(text, out var network) ? network
        : System.Net.IPAddress.TryParse(text, out var address) ? new System.Net.IPNetwork(address, address.GetAddressBytes().Length * 8)
        : throw new CliException($"{name} '{text}' is not an IP address or a network such as 10.0.0.0/8");

    public static void ValidateDuration(OptionResult result, string name)
    {
        var text = result.GetValueOrDefault<string>();
        if (text is not null && !GoDuration.TryParse(text, out _))
        {
            result.AddError($"{name} '{text}' is not a duration such as 30m, 1h30m or 24h");
        }
    }

    /// <summary>
    /// A duration option (<c>90s</c>, <c>30m</c>, <c>1h30m</c>) that must be positive, or may also be 0 with
    /// <paramref name="allowZero"/>; the agent daemon's rule (<see cref="AgentCommandLine.DurationOption"/>) for every command.
    /// </summary>
    public static Option<string> DurationOption(string name, string description, string defaultValue, bool allowZero = false) =>
        AgentCommandLine.DurationOption(name, description, defaultValue, allowZero);

    /// <summary>The value of a <see cref="DurationOption"/>, which its validator has already accepted.</summary>
    public static TimeSpan Duration(string? text) =>
        GoDuration.TryParse(text, out var duration) && duration >= TimeSpan.Zero
            ? duration
            : throw new CliException($"'{text}' is not a duration");

    /// <summary>
    /// A limit against floods (<c>--limit-...</c>): a whole number, 0 turning the limit off; <paramref name="unit"/>
    /// says what it counts, e.g. "Omaha requests a minute from one address".
    /// </summary>
    public static Option<int> LimitOption(string name, string unit, int defaultValue)
    {
        var option = new Option<int>(name) { Description = $"at most this many {unit} (0: no limit)", DefaultValueFactory = _ => defaultValue };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 0)
            {
                result.AddError($"{name} {result.GetValueOrDefault<int>()} is negative; give 0 (no limit) or more");
            }
        });
        return option;
    }

    /// <summary><c>--trusted-proxy</c>, the same for every service: whose <c>X-Forwarded-For</c> names the client.</summary>
    public static Option<string[]> TrustedProxyOption() => new("--trusted-proxy")
    {
        Description = "address or network of a reverse proxy whose X-Forwarded-For names the client (repeatable)",
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary>Adds the networks a <see cref="TrustedProxyOption"/> was given to <paramref name="proxies"/>.</summary>
    public static void AddTrustedProxies(ParseResult parse, Option<string[]> option, IList<System.Net.IPNetwork> proxies)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(proxies);
        foreach (var proxy in parse.GetValue(option) ?? [])
        {
            proxies.Add(Network(proxy, option.Name));
        }
    }
}
