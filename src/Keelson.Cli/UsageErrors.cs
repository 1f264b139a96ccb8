using System.CommandLine;
using System.CommandLine.Parsing;

namespace Keelson.Cli;

/// <summary>
/// What to print for a command line the parser refused: one error for a word it did not know - naming the nearest
/// known command, option or value - instead of System.CommandLine's string of follow-on errors.
/// </summary>
internal static class UsageErrors
{
    public static IReadOnlyList<string> Describe(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        if (FirstUnknown(parse) is { } word)
        {
            return [Unmatched(parse, word)];
        }

        var command = parse.CommandResult;
        return [.. parse.Errors
            .Select(e => e.SymbolResult == command && NeedsSubcommand(command.Command)
                ? $"'{CommandPath.Display(command)}' needs a command: {string.Join(", ", Visible(command.Command.Subcommands).Select(c => c.Name))}"
                : e.Message)
            .Distinct(StringComparer.Ordinal)];
    }

    /// <summary>
    /// The first word the parser could not place, or that looks like an option none of the command's is: an
    /// argument such as CHANNEL takes '--forse' as its value and leaves the real one unmatched.
    /// </summary>
    private static string? FirstUnknown(ParseResult parse)
    {
        foreach (var token in parse.Tokens.TakeWhile(t => t.Type != TokenType.DoubleDash))
        {
            if (token.Type == TokenType.Argument
                && (parse.UnmatchedTokens.Contains(token.Value) || (token.Value.StartsWith("--", StringComparison.Ordinal) && token.Value.Length > 2)))
            {
                return token.Value;
            }
        }

        return parse.UnmatchedTokens.Count > 0 ? parse.UnmatchedTokens[0] : null;
    }

    private static string Unmatched(ParseResult parse, string token)
    {
        var command = parse.CommandResult;
        if (BooleanBefore(parse, token, command) is { } flag)
        {
            return $"{flag} '{token}' is not true or false";
        }

        if (token.Length > 1 && token[0] == '-')
        {
            return $"'{token}' is not an option of '{CommandPath.Display(command)}'"
                + Suggestions.DidYouMean(token, OptionsOf(command).SelectMany(o => o.Aliases.Prepend(o.Name)).Where(n => n.StartsWith("--", StringComparison.Ordinal)));
        }

        var subcommands = Visible(command.Command.Subcommands).ToList();
        return subcommands.Count > 0
            ? $"'{token}' is not a {CommandPath.Display(command)} command" + Suggestions.DidYouMean(token, subcommands.SelectMany(c => c.Aliases.Prepend(c.Name)))
            : $"'{token}' is an argument too many for '{CommandPath.Display(command)}'";
    }

    /// <summary>The boolean option <paramref name="token"/> was given to, which took it for no value of its own.</summary>
    private static string? BooleanBefore(ParseResult parse, string token, CommandResult command)
    {
        for (var i = 1; i < parse.Tokens.Count; i++)
        {
            var (before, word) = (parse.Tokens[i - 1], parse.Tokens[i]);
            if (word.Value == token && before.Type == TokenType.Option
                && OptionsOf(command).FirstOrDefault(o => o.Name == before.Value || o.Aliases.Contains(before.Value)) is { } option
                && (option.ValueType == typeof(bool) || option.ValueType == typeof(bool?)))
            {
                return before.Value;
            }
        }

        return null;
    }

    /// <summary>The options <paramref name="command"/> accepts: its own and the recursive ones of the commands above it.</summary>
    private static IEnumerable<Option> OptionsOf(CommandResult command)
    {
        var options = command.Command.Options.Where(o => !o.Hidden);
        for (var parent = command.Parent as CommandResult; parent is not null; parent = parent.Parent as CommandResult)
        {
            options = options.Concat(parent.Command.Options.Where(o => o.Recursive && !o.Hidden));
        }

        return options;
    }

    private static bool NeedsSubcommand(Command command) => command.Action is null && command.Subcommands.Count > 0;

    private static IEnumerable<Command> Visible(IEnumerable<Command> commands) => commands.Where(c => !c.Hidden);
}
