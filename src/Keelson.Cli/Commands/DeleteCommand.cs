using System.CommandLine;
using Keelson.Server.Api.Contracts;

namespace Keelson.Cli.Commands;

/// <summary>The <c>delete</c> subcommand of package, channel and group: one DELETE, then what the server says it did.</summary>
internal static class DeleteCommand
{
    /// <param name="description">What the command does, for --help.</param>
    /// <param name="name">The argument naming what to delete.</param>
    /// <param name="path">The API path to DELETE, from the parsed command line (with any query).</param>
    /// <param name="options">Further options the path reads, e.g. --force.</param>
    public static Command Create(string description, Argument<string> name, Func<ParseResult, string> path, params Option[] options)
    {
        var command = new Command("delete", description) { name };
        foreach (var option in options)
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var deleted = await AdminOptions.Client(parse).SendJsonAsync<DeletedInfo>(HttpMethod.Delete, path(parse), null, ct);
            var output = AdminOptions.Output(parse);
            if (parse.GetValue(AdminOptions.Json))
            {
                output.Json(deleted);
                return;
            }

            output.Line(deleted.Message);
        }));
        return command;
    }
}
