using System.Text.RegularExpressions;
using Keelson.IntegrationTests.Harness;
using Xunit.Abstractions;

namespace Keelson.IntegrationTests;

/// <summary><c>--help</c> of every command, found by following the Commands sections down from <c>keelson --help</c>.</summary>
public sealed class CliHelpTests(ITestOutputHelper log)
{
    [Fact]
    public async Task Every_command_s_help_shows_examples_of_that_command_and_each_default_once()
    {
        await using var keelson = new KeelsonProcess(log);
        var pending = new Queue<string[]>([[]]);
        var commands = 0;

        while (pending.TryDequeue(out var path))
        {
            var help = await HelpAsync(keelson, path);
            var name = string.Join(' ', ["keelson", .. path]);
            commands++;

            var examples = Section(help, "Examples:");
            Assert.True(examples.Count > 0, $"'{name} --help' shows no example:\n{string.Join('\n', help)}");
            foreach (var example in examples)
            {
                Assert.True($"{example} ".Contains($"{name} ", StringComparison.Ordinal), $"'{name} --help' shows an example of another command: {example}");
            }

            foreach (var line in help)
            {
                Assert.True(Regex.Count(line, @"[(\[]default\b") <= 1, $"'{name} --help' says a default twice: {line}");
            }

            foreach (var subcommand in Section(help, "Commands:").Select(row => row.Split(' ')[0]))
            {
                string[] next = [.. path, subcommand];
                var usage = Section(await HelpAsync(keelson, next), "Usage:")[0];
                if (usage.StartsWith($"{name} {subcommand} ", StringComparison.Ordinal))
                {
                    pending.Enqueue(next);
                }
                else
                {
                    // A verb that is no subcommand of its own ('keelson lock lock'): its parent's help shows it.
                    Assert.Contains(examples, e => e.StartsWith($"{name} {subcommand}", StringComparison.Ordinal));
                }
            }
        }

        Assert.True(commands > 50, $"only {commands} commands were found");
    }

    [Fact]
    public async Task Lock_help_lists_lock_among_its_commands()
    {
        await using var keelson = new KeelsonProcess(log);

        var rows = Section(await HelpAsync(keelson, ["lock"]), "Commands:").Select(row => row.Split("  ")[0]).ToList();

        Assert.Equal(["lock [ID]", "status", "unlock <ID>", "set-max <N>"], rows);
    }

    private static async Task<string[]> HelpAsync(KeelsonProcess keelson, string[] path) =>
        (await keelson.SucceedAsync([.. path, "--help"])).StandardOutput.Split('\n');

    /// <summary>The rows under a heading of --help, without their indentation; a description's wrapped lines are no rows.</summary>
    private static List<string> Section(string[] help, string heading) =>
        [.. help.SkipWhile(l => l != heading).Skip(1).TakeWhile(l => l.Length > 0)
            .Where(l => l.StartsWith("  ", StringComparison.Ordinal) && !l.StartsWith("   ", StringComparison.Ordinal))
            .Select(l => l.Trim())];
}
