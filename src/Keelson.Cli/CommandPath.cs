using System.CommandLine.Parsing;

namespace Keelson.Cli;

/// <summary>The words that name a command on the command line: <c>channel promote</c>.</summary>
internal static class CommandPath
{
    /// <summary><c>channel promote</c> for <c>keelson channel promote</c>; "" for <c>keelson</c> itself.</summary>
    public static string Of(CommandResult command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var names = new Stack<string>();
        for (var result = command; result.Parent is CommandResult parent; result = parent)
        {
            names.Push(result.Command.Name);
        }

        return string.Join(' ', names);
    }

    /// <summary><c>keelson channel promote</c>, as a person types it.</summary>
    public static string Display(CommandResult command) => Of(command) is { Length: > 0 } path ? "keelson " + path : "keelson";
}
