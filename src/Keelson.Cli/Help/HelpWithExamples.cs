using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Runtime.CompilerServices;

namespace Keelson.Cli.Help;

/// <summary>
/// <c>--help</c> as System.CommandLine writes it, plus the rows of commands that are not subcommands (such as
/// <c>keelson lock lock</c>, which System.CommandLine cannot have) and the command's <see cref="Examples"/>.
/// </summary>
internal sealed class HelpWithExamples(HelpAction standard) : SynchronousCommandLineAction
{
    private const string CommandsHeading = "Commands:";

    private static readonly ConditionalWeakTable<Command, List<(string Usage, string Description)>> s_extraRows = [];

    public override bool ClearsParseErrors => true;

    /// <summary>Makes every <c>--help</c> under <paramref name="root"/> print its examples.</summary>
    public static void Install(RootCommand root)
    {
        var help = root.Options.OfType<HelpOption>().Single();
        help.Action = new HelpWithExamples((HelpAction)help.Action!);
    }

    /// <summary>Lists <paramref name="usage"/> under the Commands heading of <paramref name="command"/>'s help.</summary>
    public static void AddCommandRow(Command command, string usage, string description) =>
        s_extraRows.GetOrCreateValue(command).Add((usage, description));

    public override int Invoke(ParseResult parseResult)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        var configuration = parseResult.InvocationConfiguration;
        var output = configuration.Output;
        using var standardText = new StringWriter();
        configuration.Output = standardText;
        int code;
        try
        {
            code = standard.Invoke(parseResult);
        }
        finally
        {
            configuration.Output = output;
        }

        var command = parseResult.CommandResult;
        var text = s_extraRows.TryGetValue(command.Command, out var rows) ? WithRows(standardText.ToString(), rows) : standardText.ToString();
        output.Write(text);
        var examples = Examples.For(command);
        if (examples.Count > 0)
        {
            output.WriteLine("Examples:");
            foreach (var example in examples)
            {
                output.WriteLine($"  {example}");
            }

            output.WriteLine();
        }

        return code;
    }

    /// <summary>The help text with <paramref name="rows"/> first under its Commands heading, in the same columns.</summary>
    private static string WithRows(string help, List<(string Usage, string Description)> rows)
    {
        var lines = help.Split('\n').ToList();
        var heading = lines.FindIndex(l => l.TrimEnd() == CommandsHeading);
        if (heading < 0)
        {
            lines.AddRange([CommandsHeading, "", ""]);
            heading = lines.Count - 3;
        }

        // The description column of the rows already there: where the first one's description starts.
        var first = heading + 1 < lines.Count ? lines[heading + 1] : "";
        var name = first.TrimStart();
        var gap = name.IndexOf("  ", StringComparison.Ordinal);
        var column = gap < 0 ? 0 : first.Length - name.Length + gap + name[gap..].TakeWhile(c => c == ' ').Count();
        lines.InsertRange(heading + 1, rows.Select(r => ("  " + r.Usage).PadRight(Math.Max(column, r.Usage.Length + 4)) + r.Description));
        return string.Join('\n', lines);
    }
}
